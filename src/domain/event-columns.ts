import type { StoredEvent } from './event.js';
import { eventKind } from './event.js';
import { eventSearchText } from './filter-match.js';
import { canonicalIp } from './ip.js';

/**
 * The columns stored beside an event's canonical body that queries, viewer scoping and exports
 * read: every one is derived from the hashed body, here and nowhere else. The writer stores
 * what this answers (store/event-row.ts); online verification re-derives it from the stored
 * body and compares it with what is stored (integrity/chain-verifier.ts), so a column changed
 * in the database (an event moved to another workspace, hidden from an actor filter, moved out
 * of a time window) is reported, naming the event and the column.
 *
 * Not here: `org_pk` (the verifier checks the body's `org` against the org it walks), `seq`,
 * `prev_hash` and `hash` (the chain itself), and `input_hash`, the hash of what the client sent
 * before normalisation, which the body cannot reproduce; it only decides whether a retry with
 * the same id is the same event, and no query, scope or export reads it.
 */
export const DERIVED_COLUMNS = [
  'id',
  'occurred_at',
  'action',
  'actor_id',
  'actor_email',
  'resource_type',
  'resource_id',
  'workspace',
  'status',
  'ip',
  'kind',
  'search_text',
] as const;

export type DerivedColumn = (typeof DERIVED_COLUMNS)[number];

/** The values of DERIVED_COLUMNS, in that order; `occurred_at` in ms since the epoch. */
export type DerivedValues = [
  id: string,
  occurred_at: number,
  action: string,
  actor_id: string,
  actor_email: string | null,
  resource_type: string | null,
  resource_id: string | null,
  workspace: string | null,
  status: string,
  ip: string | null,
  kind: string,
  search_text: string,
];

/** The members of an event the columns are derived from. */
export type ColumnSource = Pick<
  StoredEvent,
  'id' | 'occurred_at' | 'action' | 'actor' | 'resource' | 'workspace' | 'status' | 'description' | 'context'
> & { request?: StoredEvent['request'] | undefined };

/**
 * What `q` searches (SPEC §4), lowercased once at write time so that a search is one substring
 * test: the text the alert rules match in memory too, defined with them (filter-match.ts).
 */
export const searchText: (event: ColumnSource) => string = eventSearchText;

export function derivedValues(event: ColumnSource): DerivedValues {
  return [
    event.id,
    Date.parse(event.occurred_at),
    event.action,
    event.actor.id,
    event.actor.email?.toLowerCase() ?? null,
    event.resource?.type ?? null,
    event.resource?.id ?? null,
    event.workspace ?? null,
    event.status,
    event.context?.ip === undefined ? null : canonicalIp(event.context.ip),
    eventKind(event),
    searchText(event),
  ];
}

function shown(value: unknown): string {
  return value === null || value === undefined ? 'null' : JSON.stringify(value);
}

export interface ColumnMismatch {
  /** The event's id as its body says. */
  id: string;
  column: DerivedColumn | 'org_pk';
  /** Both values as JSON text (occurred_at in ms since the epoch). */
  stored: string;
  derived: string;
}

/**
 * Compares stored column values (in DERIVED_COLUMNS order) with those derived from the event's
 * canonical body, and the org the event is stored under (`org_pk`, as the org's id) with the
 * body's `org`; answers the first column that differs, both values and the event's id as its
 * body says, or undefined. A body that is not an event (not JSON, members missing) is reported
 * as differing in `id`.
 */
export function columnMismatch(
  body: string,
  org: string,
  stored: readonly unknown[],
): ColumnMismatch | undefined {
  let event: ColumnSource & { org?: unknown };
  let derived: DerivedValues;
  try {
    event = JSON.parse(body) as ColumnSource & { org?: unknown };
    derived = derivedValues(event);
  } catch {
    const id = String(stored[0]);
    return { id, column: 'id', stored: shown(stored[0]), derived: 'nothing: the body is not an event' };
  }
  const id = derived[0];
  if (event.org !== org) return { id, column: 'org_pk', stored: shown(org), derived: shown(event.org) };
  for (let i = 0; i < DERIVED_COLUMNS.length; i++) {
    const value = stored[i] ?? null;
    if (value !== derived[i]) {
      return { id, column: DERIVED_COLUMNS[i]!, stored: shown(value), derived: shown(derived[i]) };
    }
  }
  return undefined;
}
