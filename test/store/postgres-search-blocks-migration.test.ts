import { Kysely, PostgresDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_ENRICHMENT, prepareEvent } from '../../src/domain/prepare-event.js';
import { parseIngestBody } from '../../src/domain/validate.js';
import { up } from '../../src/store/postgres/migrations/013_search_blocks.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { BACKENDS, type TestDatabase } from '../helpers/backends.js';

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

    const read = async () =>
      (await store.pool.query('SELECT * FROM search_blocks ORDER BY org_pk, block')).rows as unknown[];
    const written = await read();
    expect(written.length).toBe(Math.ceil(1300 / 256) + Math.ceil(700 / 256));
    // As before the migration: no blocks table.
    await store.pool.query('DROP TABLE search_blocks');
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: store.pool }) });
    await up(db);
    expect(await read()).toEqual(written);
  });
});
