import type { StoredEvent } from '../domain/event.js';

/** SPEC §4, in this order. */
export const CSV_COLUMNS = [
  'timestamp',
  'action',
  'status',
  'actor_type',
  'actor_id',
  'actor_name',
  'actor_email',
  'resource_type',
  'resource_id',
  'resource_name',
  'workspace',
  'description',
  'ip',
  'country',
  'user_agent',
  'method',
  'path',
  'status_code',
  'duration_ms',
  'metadata',
  'id',
  'seq',
  'hash',
] as const;

const NEEDS_QUOTES = /[",\r\n]/;

/** = + - @ tab CR: the first characters that make a spreadsheet read a cell as a formula. */
function startsFormula(value: string): boolean {
  const c = value.charCodeAt(0);
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab or CR before one) as a formula;
 * a leading apostrophe makes them show it as text (OWASP's advice for CSV injection).
 */
export function neutraliseCell(value: string): string {
  return startsFormula(value) ? `'${value}` : value;
}

/**
 * One RFC 4180 field: quoted when it holds a quote, comma or line break, quotes doubled. Written
 * here rather than through a CSV library because exports serialise millions of rows and this
 * is the whole of what the fixed, all-text column set needs.
 */
export function csvCell(value: string): string {
  const text = neutraliseCell(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function field(value: string | number | undefined): string {
  if (value === undefined) return '';
  // Numbers are written by the server (seq, status codes, durations): never formulas or quotes.
  if (typeof value === 'number') return String(value);
  return csvCell(value);
}

/** One event as a CSV line (without the line break), columns as CSV_COLUMNS. Runs per exported row. */
export function csvRow(event: StoredEvent): string {
  const { actor, resource, context, request } = event;
  const cells = [
    event.occurred_at,
    event.action,
    event.status,
    actor.type,
    actor.id,
    actor.name,
    actor.email,
    resource?.type,
    resource?.id,
    resource?.name,
    event.workspace,
    event.description,
    context?.ip,
    context?.location?.country,
    context?.user_agent,
    request?.method,
    request?.path,
    request?.status_code,
    request?.duration_ms,
    event.metadata === undefined ? undefined : JSON.stringify(event.metadata),
    event.id,
    event.seq,
    event.hash,
  ];
  let line = field(cells[0]);
  for (let i = 1; i < cells.length; i++) line += `,${field(cells[i])}`;
  return line;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}
