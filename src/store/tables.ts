import type { Generated } from 'kysely';

/**
 * The core tables (migration 001_core) as Kysely sees them, written once for both backends:
 * each says how it represents what differs. `Time` is a point in time (ISO 8601 text on
 * SQLite, timestamptz on PostgreSQL), `Flag` a boolean (0/1 on SQLite), `List` a list of names
 * (JSON text on SQLite, text[] on PostgreSQL), `OccurredAt` an event's time (ms since the epoch
 * on SQLite, timestamptz on PostgreSQL). bigint columns are read as numbers on PostgreSQL
 * (postgres-pool.ts).
 */

export interface OrgColumns<Time, Flag> {
  pk: Generated<number>;
  id: string;
  name: string;
  created_at: Time;
  retention_days: Generated<number>;
  request_retention_days: Generated<number>;
  legal_hold: Generated<Flag>;
  head_seq: Generated<number>;
  head_hash: Generated<string>;
}

export interface ApiKeyColumns<Time, NullableTime, List> {
  id: string;
  org_id: string | null;
  name: string;
  prefix: string;
  last4: string;
  scopes: List;
  key_hash: string;
  status: string;
  created_at: Time;
  created_by: string | null;
  last_used_at: NullableTime;
  expires_at: NullableTime;
  rate_limit_per_minute: Generated<number | null>;
  deleted_at: NullableTime;
}

export interface EventColumns<OccurredAt> {
  org_pk: number;
  seq: number;
  id: string;
  occurred_at: OccurredAt;
  action: string;
  actor_id: string;
  actor_email: string | null;
  resource_type: string | null;
  resource_id: string | null;
  workspace: string | null;
  status: string;
  ip: string | null;
  kind: string;
  /** sha256 of the client's input; null when Trailmark chose the id (no retry can repeat it). */
  input_hash: string | null;
  search_text: string;
  prev_hash: string;
  hash: string;
  body: string;
}
