import { rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { chainHash, GENESIS_HASH } from '../src/domain/chain.js';
import { NO_ENRICHMENT, prepareEvent } from '../src/domain/prepare-event.js';
import { parseIngestBody } from '../src/domain/validate.js';
import { toAppendRow } from '../src/store/event-row.js';
import { addTextBits, BLOCK_BYTES, blockOf } from '../src/store/search-bits.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { sampleEvent } from './lib.js';

/**
 * The reference point for ingest: a plain better-sqlite3 loop inserting the rows the server
 * would store, precomputed, into the same schema (every index and the search blocks), with the
 * same durability (WAL, synchronous=FULL), in 5,000-row transactions (what a busy server commits
 * at once). No HTTP, no validation, no chain work in the timed part: what SQLite itself can do on this machine.
 */
const BATCH = 5000;

export async function bareSqliteRate(path: string, count: number): Promise<number> {
  rmSync(path, { force: true });
  const store = new SqliteStore({ path });
  await store.migrate();
  await store.transaction((tx) => tx.createOrg({ id: 'bare', name: 'bare' }));
  await store.close();

  const inputs = parseIngestBody({ events: Array.from({ length: 1000 }, (_, i) => sampleEvent(i)) });
  const template = inputs.map((input) => toAppendRow(prepareEvent(input, 'bare', new Date(), NO_ENRICHMENT)));
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -131072');
  const insert = db.prepare(
    `INSERT INTO events (org_pk, seq, id, occurred_at, action, actor_id, actor_email, resource_type,
       resource_id, workspace, status, ip, kind, input_hash, search_text, prev_hash, hash, body)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const putBlock = db.prepare(
    `INSERT OR REPLACE INTO search_blocks (org_pk, block, min_occurred_at, max_occurred_at, bits) VALUES (1, ?, ?, ?, ?)`,
  );
  // Precompute every row (ids, hashes, bodies) so that only SQLite is timed.
  const rows: unknown[][] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const row = template[(seq - 1) % template.length]!;
    const body = row.head + seq + row.tail;
    const hash = chainHash(prev, body);
    rows.push([
      1,
      seq,
      `${row.id}_${seq}`,
      row.occurredAt,
      row.action,
      row.actorId,
      row.actorEmail,
      row.resourceType,
      row.resourceId,
      row.workspace,
      row.status,
      row.ip,
      row.kind,
      null,
      row.searchText,
      prev,
      hash,
      body,
    ]);
    prev = hash;
  }
  const bits = Buffer.alloc(BLOCK_BYTES);
  const insertMany = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      insert.run(...rows[i]!);
      addTextBits(bits, rows[i]![14] as string);
    }
    putBlock.run(blockOf(to), 0, 0, bits);
  });
  const started = performance.now();
  for (let i = 0; i < count; i += BATCH) insertMany(i, Math.min(count, i + BATCH));
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return count / seconds;
}
