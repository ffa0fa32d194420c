import type { BlockRow } from '../block-cache.js';
import { addToBlock, type BlockEntry, blockOf, emptyBlock, type OpenBlock } from '../search-bits.js';

/** A commit's blocks as the columns of search_blocks, one array each, in putBlocksSql's order. */
export type BlockColumns = [
  orgs: number[],
  blocks: number[],
  mins: number[],
  maxes: number[],
  bits: Buffer[],
];

/**
 * Writes all of a commit's blocks (parameters `first` to `first + 4`: BlockColumns) and takes
 * the place of every stored one it names: each block is built whole in memory, its stored part
 * merged in first, since PostgreSQL has no bitwise OR for bytea.
 */
export function putBlocksSql(first: number): string {
  const p = (n: number) => `$${first + n}`;
  return `INSERT INTO search_blocks (org_pk, block, min_occurred_at, max_occurred_at, bits)
  SELECT * FROM unnest(${p(0)}::integer[], ${p(1)}::integer[], ${p(2)}::bigint[], ${p(3)}::bigint[], ${p(4)}::bytea[])
  ON CONFLICT (org_pk, block) DO UPDATE SET min_occurred_at = EXCLUDED.min_occurred_at,
    max_occurred_at = EXCLUDED.max_occurred_at, bits = EXCLUDED.bits`;
}

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

  /** The blocks to write, as columns. */
  columns(): BlockColumns {
    const columns: BlockColumns = [[], [], [], [], []];
    for (const [orgPk, blocks] of this.orgs) {
      for (const block of blocks.values()) {
        columns[0].push(orgPk);
        columns[1].push(block.block);
        columns[2].push(block.min);
        columns[3].push(block.max);
        columns[4].push(block.bits);
      }
    }
    return columns;
  }
}
