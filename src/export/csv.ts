import { stringify } from 'csv-stringify/sync';
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

/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab or CR before one) as a formula;
 * a leading apostrophe makes them show it as text (OWASP's advice for CSV injection).
 */
export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function csvRow(event: StoredEvent): string[] {
  const cells: Array<string | number | undefined> = [
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
  ];
  return cells.map((cell) => (cell === undefined ? '' : neutraliseCell(String(cell))));
}

export function csvHeader(): string {
  return stringify([CSV_COLUMNS as unknown as string[]]);
}

export function csvRows(events: StoredEvent[]): string {
  return stringify(events.map(csvRow));
}
