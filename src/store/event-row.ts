import { canonicalAroundSeq } from '../domain/chain.js';
import type { PendingEvent, StoredEvent } from '../domain/event.js';
import { type DerivedValues, derivedValues } from '../domain/event-columns.js';

/** The stored event without the fields the chain adds and the store-only input hash. */
export function chainBody(event: PendingEvent, seq: number): Omit<StoredEvent, 'hash' | 'prev_hash'> {
  const { input_hash: _inputHash, client_id: _clientId, ...rest } = event;
  return { ...rest, seq };
}

/**
 * An event reduced to what the single writer needs: flat columns, and its canonical text split
 * around the `seq` the writer assigns (canonical = head + seq + tail). Everything costly is done
 * here, before the writer, so the writer only links, hashes and inserts.
 */
export interface AppendRow {
  id: string;
  clientId: boolean;
  inputHash: string | null;
  occurredAt: number;
  action: string;
  actorId: string;
  actorEmail: string | null;
  resourceType: string | null;
  resourceId: string | null;
  workspace: string | null;
  status: string;
  ip: string | null;
  kind: string;
  searchText: string;
  head: string;
  tail: string;
}

export function toAppendRow(event: PendingEvent): AppendRow {
  const { input_hash: inputHash, client_id: clientId, ...body } = event;
  const { head, tail } = canonicalAroundSeq(body as unknown as Record<string, unknown>);
  // The columns are derived where verification derives them again (domain/event-columns.ts).
  return appendRow(derivedValues(event), clientId, clientId ? inputHash : null, head, tail);
}

/**
 * An AppendRow of its derived column values and the rest: the one place its members are named,
 * for the rows made here and for those the writer thread unpacks (sqlite/row-packing.ts).
 */
export function appendRow(
  values: DerivedValues,
  clientId: boolean,
  inputHash: string | null,
  head: string,
  tail: string,
): AppendRow {
  return {
    id: values[0],
    clientId,
    inputHash,
    occurredAt: values[1],
    action: values[2],
    actorId: values[3],
    actorEmail: values[4],
    resourceType: values[5],
    resourceId: values[6],
    workspace: values[7],
    status: values[8],
    ip: values[9],
    kind: values[10],
    searchText: values[11],
    head,
    tail,
  };
}

/** An event as the stores keep it: its canonical body and the two chain fields beside it. */
export interface EventTextRow {
  body: string;
  prev_hash: string;
  hash: string;
}

/** The event's JSON text without parsing it: its canonical body with the chain fields added. */
export function eventJsonFromRow(row: EventTextRow): string {
  return `${row.body.slice(0, -1)},"prev_hash":"${row.prev_hash}","hash":"${row.hash}"}`;
}
