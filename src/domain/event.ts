import type { Actor, RequestInfo, Resource } from './event-schema.js';

export type { Actor, EventInput, RequestInfo, Resource } from './event-schema.js';

export interface Location {
  country?: string;
  region?: string;
  city?: string;
}

export interface ClientInfo {
  browser?: string;
  os?: string;
  device?: string;
}

export interface StoredContext {
  ip?: string;
  user_agent?: string;
  auth_type?: string;
  location?: Location;
  client?: ClientInfo;
}

/** An event as stored and served: the input, normalised, plus what Trailmark adds (SPEC §2). */
export interface StoredEvent {
  id: string;
  org: string;
  seq: number;
  action: string;
  occurred_at: string;
  received_at: string;
  actor: Actor;
  resource?: Resource;
  workspace?: string;
  status: 'success' | 'failure';
  description?: string;
  context?: StoredContext;
  request?: RequestInfo;
  metadata?: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** An event accepted for storage, before the store gives it its place in the chain. */
export type PendingEvent = Omit<StoredEvent, 'seq' | 'prev_hash' | 'hash'> & {
  /** sha256 of the canonical client input: decides "same id, same content" for idempotency. */
  input_hash: string;
  /** False when Trailmark generated the id: no stored event can share it, so no lookup is needed. */
  client_id: boolean;
};

export type EventKind = 'audit' | 'request';

export function eventKind(event: { request?: unknown }): EventKind {
  return event.request ? 'request' : 'audit';
}
