import { type Kysely, sql } from 'kysely';
import { addToBlock, blockOf, emptyBlock, type OpenBlock } from '../../search-bits.js';

/** Events read per statement while the blocks are built again. */
const PAGE = 20_000;

/**
 * The search blocks became 8 KiB with 7-grams (../../search-bits.ts): the blocks written before
 * are built again from the events' stored search text and IP, each org in seq order, in one
 * transaction, with the writer's own steps (emptyBlock, addToBlock). It reads every event's
 * search text once: minutes on tens of millions of events, once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`DELETE FROM search_blocks`.execute(trx);
    let org = -1;
    let open: OpenBlock | undefined;
    const save = async (block: OpenBlock) => {
      await sql`INSERT INTO search_blocks (org_pk, block, min_occurred_at, max_occurred_at, bits)
        VALUES (${org}, ${block.block}, ${block.min}, ${block.max}, ${block.bits})`.execute(trx);
    };
    let after = { org: -1, seq: 0 };
    for (;;) {
      const { rows } = await sql<{
        org_pk: number;
        seq: number;
        occurred_at: number;
        search_text: string;
        ip: string | null;
      }>`SELECT org_pk, seq, occurred_at, search_text, ip FROM events INDEXED BY events_seq
        WHERE (org_pk, seq) > (${after.org}, ${after.seq}) ORDER BY org_pk, seq LIMIT ${PAGE}`.execute(trx);
      for (const row of rows) {
        const block = blockOf(row.seq);
        if (org !== row.org_pk || open?.block !== block) {
          if (open) await save(open);
          org = row.org_pk;
          open = emptyBlock(block);
        }
        addToBlock(open, row.search_text, row.ip, row.occurred_at);
      }
      if (rows.length < PAGE) break;
      const last = rows[rows.length - 1]!;
      after = { org: last.org_pk, seq: last.seq };
    }
    if (open) await save(open);
  });
}
