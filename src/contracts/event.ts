import type { Actor, RequestInfo, Resource } from './event-schema.js';

export type { Actor, EventInput, RequestInfo, Resource } from './event-schema.js';

/**
 * Plain values here, schemas in event-schema.ts: the dashboard bundles this module's values, and
 * it must not bundle TypeBox (it takes the schemas' types only).
 */
export const EVENT_STATUSES = ['success', 'failure'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

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
  status: EventStatus;
  description?: string;
  context?: StoredContext;
  request?: RequestInfo;
  metadata?: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** Audit events, and request log entries (events with a `request` block). */
export const EVENT_KINDS = ['audit', 'request'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
