import { isPostgresUrl } from '../config.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { AuditStore } from './store.js';

/** A `postgres://` URL selects PostgreSQL; anything else is a SQLite file path. */
export async function openStore(databaseUrl: string): Promise<AuditStore> {
  if (isPostgresUrl(databaseUrl)) {
    throw new Error('the PostgreSQL backend is not available in this build');
  }
  return new SqliteStore({ path: databaseUrl });
}
