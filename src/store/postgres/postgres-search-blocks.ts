import type { BlockRow } from '../block-cache.js';
import { addToBlock, type BlockEntry, blockOf, emptyBlock, type OpenBlock } from '../search-bits.js';
import type { ChainHead } from '../store.js';

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

  /** Each org's newest block as this commit leaves it. */
  *lastBlocks(): Iterable<[orgPk: number, block: OpenBlock]> {
    for (const [orgPk, blocks] of this.orgs) {
      let last: OpenBlock | undefined;
      for (const block of blocks.values()) if (!last || block.block > last.block) last = block;
      if (last) yield [orgPk, last];
    }
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

/** Orgs whose open block a process remembers: 8 KiB each, so at most 16 MiB. */
const REMEMBERED_ORGS = 2048;

/**
 * The open block of the orgs this process appended to last, each with the head its commit left.
 * Reading the open block is one more statement in every commit, a fifth of single-event ingest's
 * rate; while an org's head is still the one this process wrote, no one else has written its
 * blocks, so the copy here is the stored block and the read can be skipped. A head is its seq
 * and hash: a commit that rolled back, or another process that wrote since, leaves a head this
 * one does not match, and the block is read. A block a purge deleted since is written again
 * from the copy, with bits of purged events: more blocks admitted to a search, never fewer.
 */
export class OpenBlockMemo {
  private readonly byOrg = new Map<number, { head: ChainHead; block: BlockRow }>();

  /** The open block of `orgPk` if its head is the one this process's last commit left. */
  get(orgPk: number, head: ChainHead): BlockRow | undefined {
    const known = this.byOrg.get(orgPk);
    return known && known.head.seq === head.seq && known.head.hash === head.hash ? known.block : undefined;
  }

  /** What a commit left: the org's new head and its newest block. */
  set(orgPk: number, head: ChainHead, block: OpenBlock): void {
    this.byOrg.delete(orgPk); // re-inserted last: the Map's order is the eviction order
    this.byOrg.set(orgPk, {
      head: { seq: head.seq, hash: head.hash },
      block: { block: block.block, min_occurred_at: block.min, max_occurred_at: block.max, bits: block.bits },
    });
    if (this.byOrg.size > REMEMBERED_ORGS) this.byOrg.delete(this.byOrg.keys().next().value!);
  }
}
