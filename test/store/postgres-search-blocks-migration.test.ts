import { Kysely, PostgresDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../src/store/postgres/migrations/013_search_blocks.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { BACKENDS, type TestDatabase } from '../helpers/backends.js';
import { appendBlockPopulation, POPULATION_BLOCKS } from './block-population.js';

const postgres = BACKENDS.find((b) => b.name === 'postgres');

/**
 * Migration 013 builds the search blocks of the events stored before it: what it builds must be
 * what the appends build, or searches of older events would skip their blocks.
 */
describe.skipIf(!postgres)('PostgreSQL search blocks built by migration 013', () => {
  let database: TestDatabase;
  let store: PostgresStore;

  beforeAll(async () => {
    database = await postgres!.databaseUrl();
    store = new PostgresStore({ connectionString: database.url, poolSize: 2 });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('are byte for byte the blocks the appends built, for every org, with a block partly filled', async () => {
    await appendBlockPopulation(store);

    const read = async () =>
      (await store.pool.query('SELECT * FROM search_blocks ORDER BY org_pk, block')).rows as unknown[];
    const written = await read();
    expect(written.length).toBe(POPULATION_BLOCKS);
    // As before the migration: no blocks table.
    await store.pool.query('DROP TABLE search_blocks');
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: store.pool }) });
    await up(db);
    expect(await read()).toEqual(written);
  });
});
