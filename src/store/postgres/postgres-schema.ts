import type { ColumnType } from 'kysely';
import type { ApiKeyColumns, EventColumns, OrgColumns } from '../tables.js';

/**
 * A `timestamptz` column. The pool parses every timestamptz into an ISO 8601 string (see
 * postgres-pool.ts), so rows read the same as SQLite's TEXT timestamps.
 */
type Timestamp = ColumnType<string, string | Date, string | Date>;
type NullableTimestamp = ColumnType<string | null, string | Date | null, string | Date | null>;

/** Kysely's view of the PostgreSQL tables (../tables.ts). */
export interface PgTables {
  orgs: OrgColumns<Timestamp, boolean>;
  api_keys: ApiKeyColumns<Timestamp, NullableTimestamp, string[]>;
  events: EventColumns<Timestamp>;
  search_blocks: {
    org_pk: number;
    block: number;
    min_occurred_at: number;
    max_occurred_at: number;
    bits: Buffer;
  };
}
