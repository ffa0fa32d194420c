import type { ApiKeyColumns, EventColumns, OrgColumns } from '../tables.js';

/** Kysely's view of the SQLite tables (../tables.ts). */
export interface SqliteTables {
  orgs: OrgColumns<string, number>;
  api_keys: ApiKeyColumns<string, string | null, string>;
  events: EventColumns<number>;
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
