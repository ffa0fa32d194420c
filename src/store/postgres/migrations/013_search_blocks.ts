import { type Kysely, sql } from 'kysely';
import { buildBlocks } from '../../search-bits.js';

/** Events read per statement while the blocks are built. */
const PAGE = 20_000;

/**
 * Search moves from the trigram GIN index to the search blocks SQLite has (../../search-bits.ts):
 * per org and block of 256 events, the n-gram bits of their search text and IP and the ends of
 * their resource ids, IPs and workspaces. On 10,000,000 events the trigram index read about
 * 500 MB of its pages for a rare term (each of its trigrams is common), and kept 60 µs of every
 * event's ingest; a block costs one 8 KiB row per commit that touches it
 * (postgres-search-blocks.ts). The GIN index stays for the filter columns.
 *
 * The blocks of existing events are built here, each org in seq order, with the writer's own
 * steps (buildBlocks): the migration reads every event's search text once.
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

  await buildBlocks(
    async (orgPk, seq) => {
      const { rows } = await sql<{
        orgPk: number;
        seq: string;
        occurredAt: string;
        searchText: string;
        ip: string | null;
        resourceId: string | null;
        workspace: string | null;
      }>`SELECT org_pk AS "orgPk", seq, round(extract(epoch FROM occurred_at) * 1000)::bigint AS "occurredAt",
          search_text AS "searchText", ip, resource_id AS "resourceId", workspace
        FROM events WHERE (org_pk, seq) > (${orgPk}, ${seq})
        ORDER BY org_pk, seq LIMIT ${PAGE}`.execute(db);
      // bigint arrives as a number from Trailmark's pool (postgres-pool.ts), as text from others.
      return rows.map((r) => ({ ...r, seq: Number(r.seq), occurredAt: Number(r.occurredAt) }));
    },
    async (blocks) => {
      await sql`
        INSERT INTO search_blocks (org_pk, block, min_occurred_at, max_occurred_at, bits)
        SELECT * FROM unnest(${blocks.map((b) => b.orgPk)}::integer[], ${blocks.map((b) => b.block.block)}::integer[],
          ${blocks.map((b) => b.block.min)}::bigint[], ${blocks.map((b) => b.block.max)}::bigint[],
          ${blocks.map((b) => b.block.bits)}::bytea[])`.execute(db);
    },
  );

  await sql`DROP INDEX events_search`.execute(db);
  await sql`
    CREATE INDEX events_search ON events USING gin (
      org_pk, actor_email, resource_type, resource_id, workspace, ip, status, kind
    )`.execute(db);
}
