/**
 * PostgreSQL refuses NUL in text. Validation keeps it out of everything stored (ids, emails,
 * names, event fields), so a lookup or filter by a value that holds one matches nothing: the
 * stores answer so without asking the database, which is exact on both backends.
 */
export function hasNul(...values: Array<string | readonly string[] | undefined>): boolean {
  return values.some((v) =>
    typeof v === 'string' ? v.includes('\u0000') : v?.some((s) => s.includes('\u0000')),
  );
}
