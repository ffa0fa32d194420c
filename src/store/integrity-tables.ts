import type { ColumnType } from 'kysely';
import type { VerifyReport } from '../integrity/chain-verifier.js';
import type { Checkpoint } from '../integrity/checkpoint.js';
import type { SigningKeyRecord } from './signing-key-store.js';
import type { EventColumns } from './tables.js';

/**
 * The tables the integrity queries (integrity-sql.ts, chain-sql.ts) read and write, as both
 * backends declare them (migration 002_integrity, and the columns of 001_core they read). Seqs
 * are INTEGER on SQLite and bigint on PostgreSQL, which its pool reads as numbers; times the
 * integrity side stores are ISO 8601 text on both, except the two the PostgreSQL purge sets
 * itself (`now()`).
 */
export interface IntegrityTables {
  orgs: {
    pk: number;
    id: string;
    head_seq: number;
    head_hash: string;
  };
  /** The columns a chain walk reads; `occurred_at` differs by backend (tables.ts), read as ms. */
  events: Omit<EventColumns<unknown>, 'input_hash'>;
  signing_keys: SigningKeyRecord;
  /** A checkpoint's fields (integrity/checkpoint.ts), its org by key. */
  checkpoints: Omit<Checkpoint, 'org'> & { org_pk: number };
  pruned_events: {
    org_pk: number;
    seq: number;
    prev_hash: string;
    hash: string;
    pruned_at: string;
  };
  chain_anchors: {
    org_pk: number;
    seq: number;
    prev_hash: string;
    updated_at: string;
  };
  retention_state: {
    org_pk: number;
    request_pruned_through: number;
  };
  chain_verifications: {
    org_pk: number;
    /** Written as JSON text; read back as text (SQLite) or parsed (PostgreSQL's jsonb). */
    report: ColumnType<string | VerifyReport, string, string>;
    verified_at: string;
  };
  leases: {
    name: string;
    holder: string;
    /** ms since the epoch, by the clock of the process that took the lease. */
    expires_at: number;
  };
}
