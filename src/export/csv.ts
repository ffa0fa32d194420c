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

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab or CR before one) as a formula;
 * a leading apostrophe makes them show it as text (OWASP's advice for CSV injection).
 */
export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * One RFC 4180 field: quoted when it holds a quote, comma or line break, quotes doubled. Written
 * here rather than through a CSV library because exports serialise millions of rows and this
 * is the whole of what the fixed, all-text column set needs.
 */
function field(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = neutraliseCell(String(value));
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(event: StoredEvent): string {
  return [
    event.occurred_at,
    event.action,
    event.status,
    event.actor.type,
    event.actor.id,
    event.actor.name,
    event.actor.email,
    event.resource?.type,
    event.resource?.id,
    event.resource?.name,
    event.workspace,
    event.description,
    event.context?.ip,
    event.context?.location?.country,
    event.context?.user_agent,
    event.request?.method,
    event.request?.path,
    event.request?.status_code,
    event.request?.duration_ms,
    event.metadata === undefined ? undefined : JSON.stringify(event.metadata),
    event.id,
    event.seq,
    event.hash,
  ]
    .map(field)
    .join(',');
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}
