import type { BlockRow } from '../block-cache.js';
import { addToBlock, type BlockEntry, blockOf, emptyBlock, type OpenBlock } from '../search-bits.js';
import type { AppendConnection } from './postgres-append.js';

/**
 * Writes all of a commit's blocks and takes the place of every stored one it names: each block
 * is built whole in memory (its stored part merged in first), since PostgreSQL has no bitwise OR
 * for bytea.
 */
const PUT_BLOCKS = `INSERT INTO search_blocks (org_pk, block, min_occurred_at, max_occurred_at, bits)
  SELECT * FROM unnest($1::integer[], $2::integer[], $3::bigint[], $4::bigint[], $5::bytea[])
  ON CONFLICT (org_pk, block) DO UPDATE SET min_occurred_at = EXCLUDED.min_occurred_at,
    max_occurred_at = EXCLUDED.max_occurred_at, bits = EXCLUDED.bits`;

/**
 * The search blocks (../search-bits.ts) one group commit adds to. The commit holds the lock of
 * every org it appends to (postgres-append.ts), so no other process writes their blocks
 * meanwhile: each org's open block, read under that lock, is completed with the commit's
 * events, and the blocks after it are new.
 */
export class SearchBlockWrites {
  /** The blocks this commit adds to, per org. */
  private readonly orgs = new Map<number, Map<number, OpenBlock>>();

  /** `stored`: each org's open block as stored, read under its lock (by org key). */
  constructor(private readonly stored: ReadonlyMap<number, BlockRow>) {}

  /** An event the commit appends. */
  add(orgPk: number, seq: number, event: BlockEntry): void {
    let blocks = this.orgs.get(orgPk);
    if (!blocks) {
      blocks = new Map();
      this.orgs.set(orgPk, blocks);
    }
    const number = blockOf(seq);
    let block = blocks.get(number);
    if (!block) {
      const stored = this.stored.get(orgPk);
      block =
        stored?.block === number
          ? {
              block: number,
              bits: Buffer.from(stored.bits),
              min: stored.min_occurred_at,
              max: stored.max_occurred_at,
            }
          : emptyBlock(number);
      blocks.set(number, block);
    }
    addToBlock(block, event);
  }

  async write(db: AppendConnection): Promise<void> {
    const orgs: number[] = [];
    const numbers: number[] = [];
    const mins: number[] = [];
    const maxes: number[] = [];
    const bits: Buffer[] = [];
    for (const [orgPk, blocks] of this.orgs) {
      for (const block of blocks.values()) {
        orgs.push(orgPk);
        numbers.push(block.block);
        mins.push(block.min);
        maxes.push(block.max);
        bits.push(block.bits);
      }
    }
    if (orgs.length > 0) await db.query(PUT_BLOCKS, [orgs, numbers, mins, maxes, bits]);
  }
}
