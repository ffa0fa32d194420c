import type { Generated } from 'kysely';

/** Kysely's view of the SQLite tables. */
export interface SqliteTables {
  orgs: {
    pk: Generated<number>;
    id: string;
    name: string;
    created_at: string;
    retention_days: Generated<number>;
    request_retention_days: Generated<number>;
    legal_hold: Generated<number>;
    head_seq: Generated<number>;
    head_hash: Generated<string>;
  };
  api_keys: {
    id: string;
    org_id: string | null;
    name: string;
    prefix: string;
    last4: string;
    scopes: string;
    key_hash: string;
    status: string;
    created_at: string;
    created_by: string | null;
    last_used_at: string | null;
    expires_at: string | null;
    rate_limit_per_minute: Generated<number | null>;
    deleted_at: Generated<string | null>;
  };
  events: {
    org_pk: number;
    seq: number;
    id: string;
    occurred_at: number;
    action: string;
    actor_id: string;
    actor_email: string | null;
    resource_type: string | null;
    resource_id: string | null;
    workspace: string | null;
    status: string;
    ip: string | null;
    kind: string;
    input_hash: string | null;
    search_text: string;
    prev_hash: string;
    hash: string;
    body: string;
  };
  /** One row, `open` only inside the retention purge's transaction (see migrations/001_core.ts). */
  purge_gate: {
    id: number;
    open: number;
  };
  search_blocks: {
    org_pk: number;
    block: number;
    min_occurred_at: number;
    max_occurred_at: number;
    bits: Uint8Array;
  };
}
