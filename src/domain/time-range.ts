/**
 * The instants both backends store: SQLite keeps ISO text, PostgreSQL a timestamptz, which has no
 * year 0 and refuses some of what JavaScript's Date can name. Times people send (an API key's
 * expiry) are held to 1970 through 9999, as event times are held to after 1970.
 */
export const EARLIEST_STORABLE_MS = 0;
export const LATEST_STORABLE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Why an ISO 8601 date-time cannot be stored, or undefined; `text` has passed format checks. */
export function storableTimeProblem(text: string): string | undefined {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return 'must be an ISO 8601 date-time';
  if (ms < EARLIEST_STORABLE_MS || ms > LATEST_STORABLE_MS) {
    return 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z';
  }
  return undefined;
}
