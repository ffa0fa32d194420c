import type { EventKind, StoredEvent } from '../contracts/event.js';

export type {
  Actor,
  ClientInfo,
  EventInput,
  EventKind,
  Location,
  RequestInfo,
  Resource,
  StoredContext,
  StoredEvent,
} from '../contracts/event.js';

/** An event accepted for storage, before the store gives it its place in the chain. */
export type PendingEvent = Omit<StoredEvent, 'seq' | 'prev_hash' | 'hash'> & {
  /** sha256 of the canonical client input: decides "same id, same content" for idempotency. */
  input_hash: string;
  /** False when Trailmark generated the id: no stored event can share it, so no lookup is needed. */
  client_id: boolean;
};

export function eventKind(event: { request?: unknown }): EventKind {
  return event.request ? 'request' : 'audit';
}
