import { type Kysely, sql } from 'kysely';
import { addToBlock, blockOf, emptyBlock, type OpenBlock } from '../../search-bits.js';

/** Events read per statement while the blocks are built. */
const PAGE = 20_000;
/** Blocks written per statement. */
const WRITE = 200;

/**
 * Search moves from the trigram GIN index to the search blocks SQLite has (../../search-bits.ts):
 * per org and block of 256 events, the n-gram bits of their search text and IP. On 10,000,000
 * events the trigram index read about 500 MB of its pages for a rare term (each of its trigrams
 * is common), and kept 60 µs of every event's ingest; a block costs one 8 KiB row per commit
 * that touches it (postgres-search-blocks.ts). The GIN index stays for the filter columns.
 *
 * The blocks of existing events are built here, each org in seq order, with the writer's own
 * steps (emptyBlock, addToBlock): the migration reads every event's search text once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE search_blocks (
      org_pk integer NOT NULL,
      block integer NOT NULL,
      min_occurred_at bigint NOT NULL,
      max_occurred_at bigint NOT NULL,
      bits bytea NOT NULL,
      PRIMARY KEY (org_pk, block)
    )`.execute(db);
  // The bits are rewritten by every commit that adds to their block: not worth compressing.
  await sql`ALTER TABLE search_blocks ALTER COLUMN bits SET STORAGE EXTERNAL`.execute(db);

  let org = -1;
  let open: OpenBlock | undefined;
  let pending: { org: number; block: OpenBlock }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await sql`
      INSERT INTO search_blocks (org_pk, block, min_occurred_at, max_occurred_at, bits)
      SELECT * FROM unnest(${pending.map((p) => p.org)}::integer[], ${pending.map((p) => p.block.block)}::integer[],
        ${pending.map((p) => p.block.min)}::bigint[], ${pending.map((p) => p.block.max)}::bigint[],
        ${pending.map((p) => p.block.bits)}::bytea[])`.execute(db);
    pending = [];
  };
  let after = { org: -1, seq: 0 };
  for (;;) {
    const { rows } = await sql<{
      org_pk: number;
      seq: number;
      occurred_at: number;
      search_text: string;
      ip: string | null;
    }>`SELECT org_pk, seq, round(extract(epoch FROM occurred_at) * 1000)::bigint AS occurred_at, search_text, ip
      FROM events WHERE (org_pk, seq) > (${after.org}, ${after.seq})
      ORDER BY org_pk, seq LIMIT ${PAGE}`.execute(db);
    for (const row of rows) {
      const block = blockOf(Number(row.seq));
      if (org !== row.org_pk || open?.block !== block) {
        if (open) pending.push({ org, block: open });
        if (pending.length >= WRITE) await flush();
        org = row.org_pk;
        open = emptyBlock(block);
      }
      addToBlock(open, row.search_text, row.ip, Number(row.occurred_at));
    }
    if (rows.length < PAGE) break;
    const last = rows[rows.length - 1]!;
    after = { org: last.org_pk, seq: Number(last.seq) };
  }
  if (open) pending.push({ org, block: open });
  await flush();

  await sql`DROP INDEX events_search`.execute(db);
  await sql`
    CREATE INDEX events_search ON events USING gin (
      org_pk, actor_email, resource_type, resource_id, workspace, ip, status, kind
    )`.execute(db);
}
