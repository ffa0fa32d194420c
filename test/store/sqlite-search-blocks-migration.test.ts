import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { up } from '../../src/store/sqlite/migrations/014_search_bits_value_ends.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp.js';
import { appendBlockPopulation, POPULATION_BLOCKS } from './block-population.js';

/**
 * Migration 014 builds every search block again from the stored events: what it builds must be
 * what the writer builds as it appends, or searches of older events would skip their blocks.
 */
describe('SQLite search blocks built again by migration 014', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('are byte for byte the blocks the writer built, for every org, with a block partly filled', async () => {
    const path = `${dir.path}/blocks.db`;
    const store = new SqliteStore({ path });
    await store.migrate();
    await appendBlockPopulation(store);
    await store.close();

    const database = new Database(path);
    const read = () =>
      database.prepare('SELECT * FROM search_blocks ORDER BY org_pk, block').all() as Array<{ bits: Buffer }>;
    const written = read();
    expect(written.length).toBe(POPULATION_BLOCKS);
    database.prepare('UPDATE search_blocks SET bits = zeroblob(8), min_occurred_at = 0').run();
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
    await up(db);
    expect(read()).toEqual(written);
    await db.destroy();
  });
});
