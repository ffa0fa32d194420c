import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { TestBackend } from '../helpers/backends.js';
import type { StoreHarness } from './store-contract.js';

/** A migrated store of `backend` over a fresh database, and a direct line to that database. */
export async function openHarness(backend: TestBackend): Promise<StoreHarness> {
  const database = await backend.databaseUrl();
  if (backend.name === 'sqlite') {
    const store = new SqliteStore({ path: database.url });
    await store.migrate();
    const raw = new BetterSqlite3(database.url);
    raw.pragma('busy_timeout = 10000');
    return {
      store,
      execRaw: async (statement) => {
        raw.exec(statement);
      },
      close: async () => {
        raw.close();
        await store.close();
        await database.drop();
      },
    };
  }
  const store = new PostgresStore({ connectionString: database.url, poolSize: 4 });
  await store.migrate();
  const raw = new pg.Client({ connectionString: database.url });
  await raw.connect();
  return {
    store,
    execRaw: async (statement) => {
      await raw.query(statement);
    },
    close: async () => {
      await raw.end();
      await store.close();
      await database.drop();
    },
  };
}
