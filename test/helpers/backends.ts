import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { tempDir } from './temp.js';

export type BackendName = 'sqlite' | 'postgres';

export interface TestDatabase {
  /** A DATABASE_URL for Trailmark: a SQLite file path or a postgres:// URL. */
  url: string;
  /** Removes the database (the temporary file, or DROP DATABASE). */
  drop(): Promise<void>;
}

export interface TestBackend {
  name: BackendName;
  /** A fresh, empty database on every call. */
  databaseUrl(): Promise<TestDatabase>;
}

/** The PostgreSQL server the suites use, e.g. postgres://postgres@127.0.0.1:5432/postgres. */
export const PG_URL = process.env.TRAILMARK_TEST_PG_URL || undefined;

const sqlite: TestBackend = {
  name: 'sqlite',
  async databaseUrl() {
    const dir = tempDir();
    return {
      url: `${dir.path}/trailmark.db`,
      drop: async () => dir.remove(),
    };
  },
};

/** Runs one statement on the server's maintenance database (CREATE/DROP DATABASE). */
async function onServer(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function postgres(serverUrl: string): TestBackend {
  return {
    name: 'postgres',
    async databaseUrl() {
      const name = `trailmark_test_${randomBytes(6).toString('hex')}`;
      await onServer(serverUrl, `CREATE DATABASE ${name}`);
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        // FORCE: a pool the test forgot to close must not leave the database behind.
        drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      };
    },
  };
}

/** Printed once per run by the global setup (test/helpers/global-setup.ts). */
export const PG_SKIPPED_MESSAGE =
  'PostgreSQL suites skipped: set TRAILMARK_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)';

/**
 * The backends every backend-agnostic suite loops over: SQLite always (a temporary file);
 * PostgreSQL when TRAILMARK_TEST_PG_URL names a server, with a fresh database per call.
 */
export function testBackends(): TestBackend[] {
  return PG_URL ? [sqlite, postgres(PG_URL)] : [sqlite];
}

export const BACKENDS = testBackends();
