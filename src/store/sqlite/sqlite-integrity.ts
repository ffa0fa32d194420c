import { type Kysely, sql } from 'kysely';
import type { VerifyReport } from '../../integrity/chain-verifier.js';
import type { ChainPart } from '../../integrity/chain-walk.js';
import type { KeyRing } from '../../integrity/ed25519-keys.js';
import type { IntegrityConnection, RetentionDialect } from '../integrity-connection.js';
import type { IntegrityTables } from '../integrity-tables.js';
import { blockOf } from '../search-bits.js';
import { startThread } from '../threads.js';
import { type SqliteReads, statementBuilder } from './sqlite-reads.js';
import type { SqliteTables } from './sqlite-schema.js';
import type { VerifyThreadData, VerifyThreadResult } from './verify-thread.js';

/**
 * The shared integrity queries on SQLite: reads on a reading connection (statements prepared
 * once), writes through `write`, the main connection's transaction with the ingest writer
 * paused, so they never interleave with an ingest commit or another transaction.
 */
export function sqliteIntegrityConnection(
  reads: SqliteReads,
  write: <T>(fn: (trx: Kysely<IntegrityTables>) => Promise<T>) => Promise<T>,
): IntegrityConnection {
  return {
    db: statementBuilder<IntegrityTables>(),
    rows: async (query) => reads.rows(query),
    arrays: async (query) => reads.arrays(query),
    write,
    eventTimeMs: sql<number>`occurred_at`,
  };
}

type Db = Kysely<IntegrityTables & Pick<SqliteTables, 'purge_gate' | 'search_blocks'>>;

/** Events and chain links can be deleted only while the purge gate is open (migration 001). */
async function throughGate<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  await db.updateTable('purge_gate').set({ open: 1 }).where('id', '=', 1).execute();
  const result = await fn();
  await db.updateTable('purge_gate').set({ open: 0 }).where('id', '=', 1).execute();
  return result;
}

/**
 * SQLite's purge: through the gate, in the transaction it is given, which the gate's row is put
 * back in before it commits.
 */
export const SQLITE_RETENTION: RetentionDialect = {
  async purge(trx, pk, throughSeq, max) {
    const db = trx as unknown as Db;
    const anchor = await db
      .selectFrom('chain_anchors')
      .select('seq')
      .where('org_pk', '=', pk)
      .executeTakeFirst();
    const from = anchor?.seq ?? 1;
    const to = Math.min(throughSeq, from + max - 1);
    if (to < from) return undefined;
    const last =
      (await db
        .selectFrom('events')
        .select('hash')
        .where('org_pk', '=', pk)
        .where('seq', '=', to)
        .executeTakeFirst()) ??
      (await db
        .selectFrom('pruned_events')
        .select('hash')
        .where('org_pk', '=', pk)
        .where('seq', '=', to)
        .executeTakeFirst());
    if (!last) throw new Error(`purge: seq ${to} of org ${pk} is not stored`);
    const count = await throughGate(db, async () => {
      const events = await db
        .deleteFrom('events')
        .where('org_pk', '=', pk)
        .where((eb) => eb.between('seq', from, to))
        .executeTakeFirst();
      const links = await db
        .deleteFrom('pruned_events')
        .where('org_pk', '=', pk)
        .where((eb) => eb.between('seq', from, to))
        .executeTakeFirst();
      return Number(events.numDeletedRows) + Number(links.numDeletedRows);
    });
    // The search blocks that held only deleted events go. A block still holding retained events
    // keeps its bits: bits of deleted events only cost a wasted look at that block.
    const lastWholeBlock = blockOf(to + 1) - 1;
    if (lastWholeBlock >= 0) {
      await db
        .deleteFrom('search_blocks')
        .where('org_pk', '=', pk)
        .where('block', '<=', lastWholeBlock)
        .execute();
    }
    await db
      .insertInto('chain_anchors')
      .values({ org_pk: pk, seq: to + 1, prev_hash: last.hash, updated_at: new Date().toISOString() })
      .onConflict((oc) =>
        oc.column('org_pk').doUpdateSet((eb) => ({
          seq: eb.ref('excluded.seq'),
          prev_hash: eb.ref('excluded.prev_hash'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
    return { count, from_seq: from, to_seq: to };
  },

  async pruneRequests(trx, pk, fromSeq, toSeq) {
    const db = trx as unknown as Db;
    const moved = await db
      .insertInto('pruned_events')
      .columns(['org_pk', 'seq', 'prev_hash', 'hash', 'pruned_at'])
      .expression((eb) =>
        eb
          .selectFrom('events')
          .select(['org_pk', 'seq', 'prev_hash', 'hash', eb.val(new Date().toISOString()).as('pruned_at')])
          .where('org_pk', '=', pk)
          .where((w) => w.between('seq', fromSeq, toSeq))
          .where('kind', '=', 'request'),
      )
      .executeTakeFirst();
    if (moved.numInsertedOrUpdatedRows === 0n) return 0;
    await throughGate(db, () =>
      db
        .deleteFrom('events')
        .where('org_pk', '=', pk)
        .where((eb) => eb.between('seq', fromSeq, toSeq))
        .where('kind', '=', 'request')
        .execute(),
    );
    return Number(moved.numInsertedOrUpdatedRows);
  },
};

/**
 * Walks each part of a chain on a thread of its own, with its own connection and snapshot
 * (verify-thread.ts), all at once.
 */
export function walkPartsInThreads(path: string) {
  return (org: string, keys: KeyRing, parts: readonly ChainPart[]): Promise<VerifyReport[]> =>
    Promise.all(
      parts.map((part, i) =>
        walkInThread({ path, org, keys: keys.entries(), part, last: i === parts.length - 1 }),
      ),
    );
}

function walkInThread(data: VerifyThreadData): Promise<VerifyReport> {
  return new Promise((resolve, reject) => {
    // A walk reads a million 1.3 KB texts per million events and keeps a few thousand at a
    // time: with a young generation of 64 MiB instead of the default, far less of that is copied
    // by the collector (2 threads: 390,000 events/s instead of 225,000). The thread, and its
    // memory, last as long as the walk.
    const thread = startThread(import.meta.url, 'verify-thread', data, { maxYoungGenerationSizeMb: 64 });
    thread.once('message', (result: VerifyThreadResult) =>
      result.ok ? resolve(result.report) : reject(new Error(`chain verification failed: ${result.message}`)),
    );
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`a chain verification thread exited (${code})`)));
  });
}
