import type { ColumnType, Generated } from 'kysely';

/**
 * A `timestamptz` column. The pool parses every timestamptz into an ISO 8601 string (see
 * postgres-pool.ts), so rows read the same as SQLite's TEXT timestamps.
 */
type Timestamp = ColumnType<string, string | Date, string | Date>;
type NullableTimestamp = ColumnType<string | null, string | Date | null, string | Date | null>;

/** Kysely's view of the PostgreSQL tables. bigint columns are read as numbers (postgres-pool.ts). */
export interface PgTables {
  orgs: {
    pk: Generated<number>;
    id: string;
    name: string;
    created_at: Timestamp;
    retention_days: Generated<number>;
    request_retention_days: Generated<number>;
    legal_hold: Generated<boolean>;
    head_seq: Generated<number>;
    head_hash: Generated<string>;
  };
  api_keys: {
    id: string;
    org_id: string | null;
    name: string;
    prefix: string;
    last4: string;
    scopes: string[];
    key_hash: string;
    status: string;
    created_at: Timestamp;
    created_by: string | null;
    last_used_at: NullableTimestamp;
    expires_at: NullableTimestamp;
    rate_limit_per_minute: Generated<number | null>;
    deleted_at: Generated<string | null>;
  };
  events: {
    org_pk: number;
    seq: number;
    id: string;
    occurred_at: Timestamp;
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
  };
}
