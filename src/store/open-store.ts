import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
import type { AuditStore } from './store.js';

function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** A `postgres://` URL selects PostgreSQL; anything else is a SQLite file path. */
export async function openStore(
  databaseUrl: string,
  options: Pick<SqliteStoreOptions, 'maxCommitEvents' | 'searchCacheMiB'> = {},
): Promise<AuditStore> {
  if (isPostgresUrl(databaseUrl)) {
    return new PostgresStore({ connectionString: databaseUrl, searchCacheMiB: options.searchCacheMiB });
  }
  return new SqliteStore({ path: databaseUrl, ...options });
}
