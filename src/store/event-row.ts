import { canonicalAroundSeq } from '../domain/chain.js';
import type { PendingEvent, StoredEvent } from '../domain/event.js';
import { eventKind } from '../domain/event.js';
import { canonicalIp } from '../domain/ip.js';

/**
 * What `q` searches (SPEC §4): description, resource id and name, request path, actor id, email
 * and name, workspace. Lowercased once at write time so that a search is one substring test.
 */
export function searchText(event: PendingEvent | StoredEvent): string {
  const parts = [
    event.description,
    event.resource?.id,
    event.resource?.name,
    event.request?.path,
    event.actor.id,
    event.actor.email,
    event.actor.name,
    event.workspace,
  ];
  let out = '';
  for (const part of parts) if (part) out += `${part.toLowerCase()}\n`;
  return out;
}

/** The columns every backend indexes or filters on, derived from the event. */
export function indexedColumns(event: PendingEvent) {
  return {
    id: event.id,
    occurred_at: Date.parse(event.occurred_at),
    action: event.action,
    actor_id: event.actor.id,
    actor_email: event.actor.email?.toLowerCase() ?? null,
    resource_type: event.resource?.type ?? null,
    resource_id: event.resource?.id ?? null,
    workspace: event.workspace ?? null,
    status: event.status,
    ip: event.context?.ip === undefined ? null : canonicalIp(event.context.ip),
    kind: eventKind(event),
  };
}

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
  return {
    id: event.id,
    clientId,
    inputHash: clientId ? inputHash : null,
    occurredAt: Date.parse(event.occurred_at),
    action: event.action,
    actorId: event.actor.id,
    actorEmail: event.actor.email?.toLowerCase() ?? null,
    resourceType: event.resource?.type ?? null,
    resourceId: event.resource?.id ?? null,
    workspace: event.workspace ?? null,
    status: event.status,
    ip: event.context?.ip === undefined ? null : canonicalIp(event.context.ip),
    kind: eventKind(event),
    searchText: searchText(event),
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
