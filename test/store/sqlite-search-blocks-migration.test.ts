import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { NO_ENRICHMENT, prepareEvent } from '../../src/domain/prepare-event.js';
import { parseIngestBody } from '../../src/domain/validate.js';
import { up } from '../../src/store/sqlite/migrations/014_search_bits_value_ends.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp.js';

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
    for (const org of ['acme', 'globex'])
      await store.transaction((tx) => tx.createOrg({ id: org, name: org }));
    const now = Date.now();
    for (let start = 0; start < 1300; start += 100) {
      const events = (org: string) =>
        Array.from({ length: 100 }, (_, k) => {
          const i = start + k;
          const input = parseIngestBody({
            action: i % 2 ? 'user.login' : 'document.deleted',
            actor: { type: 'user', id: `u_${i % 37}`, email: `Person${i % 37}@Example.com` },
            resource: { type: 'document', id: `doc_${org}_${i}`, name: `Report ${i}` },
            occurred_at: new Date(now - (1300 - i) * 60_000).toISOString(),
            ...(i % 3 ? { context: { ip: `10.1.${i % 256}.${(i * 7) % 256}` } } : {}),
            description: `did ${i} things`,
            ...(i % 4 ? { workspace: `WS_${i % 9}` } : {}),
          })[0]!;
          return prepareEvent(input, org, new Date(), NO_ENRICHMENT);
        });
      // globex has fewer events, so its last block is partly filled at another seq than acme's.
      const batches = [{ org: 'acme', events: events('acme') }];
      if (start < 700) batches.push({ org: 'globex', events: events('globex') });
      const outcomes = await store.appendBatches(batches);
      expect(outcomes.every((o) => o.ok)).toBe(true);
    }
    await store.close();

    const database = new Database(path);
    const read = () =>
      database.prepare('SELECT * FROM search_blocks ORDER BY org_pk, block').all() as Array<{ bits: Buffer }>;
    const written = read();
    expect(written.length).toBe(Math.ceil(1300 / 256) + Math.ceil(700 / 256));
    database.prepare('UPDATE search_blocks SET bits = zeroblob(8), min_occurred_at = 0').run();
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
    await up(db);
    expect(read()).toEqual(written);
    await db.destroy();
  });
});
