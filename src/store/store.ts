import type { Org } from '../contracts/api.js';
import type { AppError } from '../domain/errors.js';
import type { PendingEvent, StoredEvent } from '../domain/event.js';
import type { ApiKeyScope } from '../domain/principal.js';
import type { Cursor, EventFilter, EventQuery, ViewScope } from '../domain/query.js';
import type { AlertReads, AlertWrites } from './alert-store.js';
import type { ConsumerStore } from './consumer-store.js';
import type { IdentityReads, IdentityWrites } from './identity-store.js';
import type { IntegrityStores } from './integrity-stores.js';
import type { PartitionStore } from './partition-store.js';
import type { StreamStore, StreamWrites } from './stream-store.js';

/**
 * The storage contract. Every backend (sqlite/, postgres/) implements it and passes the same
 * contract suite (test/store/store-contract.ts). Every method that touches an org's data takes
 * the org and every query it runs is scoped by it: isolation lives here, not in the routes.
 */

/** An organization as stored is the one the API serves. */
export type { Org } from '../contracts/api.js';

export interface ApiKeyRecord {
  id: string;
  /** null for deployment-wide (operator) keys. */
  org: string | null;
  name: string;
  prefix: string;
  last4: string;
  scopes: ApiKeyScope[];
  key_hash: string;
  /** `deleted` keys keep their row (events name them) and never authenticate again. */
  status: 'active' | 'disabled' | 'deleted';
  created_at: string;
  /** The user or key that created it; null for keys made by the CLI or at first start. */
  created_by: string | null;
  last_used_at: string | null;
  expires_at: string | null;
  /** Requests per minute this key may make; null: no per-key limit. */
  rate_limit_per_minute: number | null;
}

export type NewApiKey = Omit<ApiKeyRecord, 'status' | 'last_used_at' | 'rate_limit_per_minute'> & {
  status?: ApiKeyRecord['status'];
  rate_limit_per_minute?: number | null;
};

export interface AppendedEvent {
  id: string;
  seq: number;
  hash: string;
  /** True when an event with this client id was already stored (idempotent retry). */
  duplicate: boolean;
}

export interface AppendBatch {
  org: string;
  events: PendingEvent[];
}

/** Each batch of a group commit succeeds or fails on its own; a failed one stores nothing. */
export type AppendOutcome = { ok: true; events: AppendedEvent[] } | { ok: false; error: AppError };

export interface EventPage {
  events: StoredEvent[];
  nextCursor: Cursor | null;
}

export interface ActionCount {
  action: string;
  count: number;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** Writes that Trailmark's own changes make together with their audit event. */
export interface StoreTx {
  createOrg(org: { id: string; name: string }): Promise<Org>;
  createApiKey(key: NewApiKey): Promise<ApiKeyRecord>;
  /** Appends to one org's chain inside the surrounding transaction. */
  appendEvents(org: string, events: PendingEvent[]): Promise<AppendedEvent[]>;
  /** People, sessions, members, roles, invitations, viewer tokens, key management. */
  identity: IdentityWrites;
  /** Streams' configuration (src/operations/streams.ts). */
  streams: StreamWrites;
  /** Alert rules, detector settings, channels, alerts, deliveries, the alert engine's state. */
  alerts: AlertWrites;
}

/** The integrity side: integrity-stores.ts. */
export interface AuditStore extends IntegrityStores {
  /** PostgreSQL's monthly partitions of events (none on SQLite). */
  readonly partitions: PartitionStore;
  readonly backend: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  /** Memory of this process's search index cache in bytes (TRAILMARK_SEARCH_CACHE_MIB bounds it). */
  searchCacheBytes(): number;
  /** Database settings that make Trailmark slow or unsafe, worded for the log at start. */
  configurationWarnings(): Promise<string[]>;
  /**
   * Throws when the database cannot answer; with `write`, when it cannot commit a write either
   * (a write that changes nothing: on a full disk a read still succeeds).
   */
  ping(options?: { write?: boolean }): Promise<void>;
  close(): Promise<void>;

  /** Runs `fn` in one transaction: everything it writes is committed together, or nothing is. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;

  /** People, sessions, members, roles, invitations, viewer tokens, key management. */
  readonly identity: IdentityReads;
  /** Alert rules, detector settings, channels, alerts and their deliveries. */
  readonly alerts: AlertReads;
  /** The log consumers' durable cursors (src/workers/consumers). */
  readonly consumers: ConsumerStore;
  /** Streams: their configuration and what delivery last saw. */
  readonly streams: StreamStore;

  getOrg(id: string): Promise<Org | undefined>;
  listOrgs(): Promise<Org[]>;

  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** Deployment-wide keys exist? (first start generates one when none does). */
  hasDeploymentKey(): Promise<boolean>;

  /** Group commit: all batches in one durable transaction; one batch's conflict fails only it. */
  appendBatches(batches: AppendBatch[]): Promise<AppendOutcome[]>;
  /**
   * True: `appendBatches` may be called again before earlier calls settle; the store commits
   * the calls in order and joins those queued behind a running commit into its next transaction
   * (SQLite's writer thread). False: callers wait for each call before the next (PostgreSQL).
   */
  readonly queuesAppends: boolean;
  /**
   * True: one process serves the database (SQLite), so a change made through it is every change
   * there is, and what it read may be kept until it changes something. False: other processes
   * may change the database at any time (PostgreSQL).
   */
  readonly servedByOneProcess: boolean;

  /** `scope` (a viewer token's restriction) hides events outside it, in SQL. */
  getEvent(org: string, id: string, scope?: ViewScope): Promise<StoredEvent | undefined>;
  listEvents(org: string, query: EventQuery): Promise<EventPage>;
  /** Every matching event in list order (newest first), read in bounded chunks. */
  streamEvents(org: string, filter: EventFilter): AsyncIterable<StoredEvent>;
  /**
   * The same events as JSON text, a chunk at a time, for exports: each event's stored text with
   * its chain fields, handed out without parsing and re-serialising it.
   */
  streamEventJsonPages(org: string, filter: EventFilter): AsyncIterable<string[]>;
  listActions(org: string, filter: Pick<EventFilter, 'from' | 'to' | 'scope'>): Promise<ActionCount[]>;
  chainHead(org: string): Promise<ChainHead>;
  /** The org's events in chain order from `fromSeq`, read in bounded chunks. */
  streamChain(org: string, fromSeq?: number): AsyncIterable<StoredEvent>;
}
