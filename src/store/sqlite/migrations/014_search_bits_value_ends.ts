import { type Kysely, sql } from 'kysely';
import { buildBlocks } from '../../search-bits.js';

/** Events read per statement while the blocks are built again. */
const PAGE = 20_000;

/**
 * The search blocks mark the ends of the values the filters compare whole (resource id, IP,
 * workspace: valueBits in ../../search-bits.ts), so the blocks written before are built again
 * from the events' stored columns, each org in seq order, in one transaction, with the writer's
 * own steps. It reads every event's search text once: minutes on tens of millions of events,
 * once. Without it, a block written before would lack the ends, and a filter on such a value
 * would skip it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`DELETE FROM search_blocks`.execute(trx);
    await buildBlocks(
      async (orgPk, seq) => {
        const { rows } = await sql<{
          orgPk: number;
          seq: number;
          occurredAt: number;
          searchText: string;
          ip: string | null;
          resourceId: string | null;
          workspace: string | null;
        }>`SELECT org_pk AS orgPk, seq, occurred_at AS occurredAt, search_text AS searchText, ip,
            resource_id AS resourceId, workspace
          FROM events INDEXED BY events_seq
          WHERE (org_pk, seq) > (${orgPk}, ${seq}) ORDER BY org_pk, seq LIMIT ${PAGE}`.execute(trx);
        return rows;
      },
      async (blocks) => {
        for (const { orgPk, block } of blocks) {
          await sql`INSERT INTO search_blocks (org_pk, block, min_occurred_at, max_occurred_at, bits)
            VALUES (${orgPk}, ${block.block}, ${block.min}, ${block.max}, ${block.bits})`.execute(trx);
        }
      },
    );
  });
}
