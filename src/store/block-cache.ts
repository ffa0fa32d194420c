import { BLOCK_BYTES, hasAllBits } from './search-bits.js';

/** The cache's budget when none is configured (TRAILMARK_SEARCH_CACHE_MIB). */
export const DEFAULT_SEARCH_CACHE_MIB = 512;

/** A search block as the planner needs it: its number and time range, with its bits. */
export interface BlockRow {
  block: number;
  min_occurred_at: number;
  max_occurred_at: number;
  bits: Uint8Array;
}

/** What a query read of an org's blocks: those after the block it asked from, and its first block. */
export interface LoadedBlocks {
  rows: BlockRow[];
  first: number | null;
}

/** An org's cached (full) blocks and its open one, as one query sees them. */
interface OrgView {
  rows: readonly BlockRow[];
  open: BlockRow | undefined;
}

interface OrgBlocks {
  /** Blocks in block order; every one of them full, so final (see below). */
  rows: BlockRow[];
  lastFull: number;
}

/**
 * The search blocks' bits kept in memory per org, so that a search tests them in script instead
 * of reading every bitset out of the database again (a million events: 3,900 blocks of 4 KiB then,
 * 16 MiB, about 40 ms per query, against 3 ms from memory).
 *
 * Only full blocks are kept. A block is written by the commits that append its 256 seqs and never
 * changes after the next block exists, so a block below the newest one read is final. Each query
 * reads from the table just the blocks after the last cached one (the open block, and whatever was
 * appended since) and the org's first block: blocks the retention purge deleted from the table
 * (in this process or another) are dropped here too. Orgs are evicted least-recently-used past a
 * byte budget.
 */
export class BlockCache {
  private readonly orgs = new Map<number, OrgBlocks>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  /** Memory the cached blocks take (an estimate), for /metrics. */
  get size(): number {
    return this.bytes;
  }

  /**
   * The blocks of an org in [from, upper] whose bits hold every position, newest first.
   * `load(after)` reads the org's blocks numbered above `after`, in block order, and the number
   * of its first block in the table.
   */
  candidates(
    orgPk: number,
    from: number,
    upper: number,
    positions: readonly number[],
    load: (after: number) => LoadedBlocks,
  ): BlockRow[] {
    const after = this.loadAfter(orgPk);
    // Nothing runs between the read and the update, so the cache cannot have forgotten the org.
    const blocks = this.update(orgPk, after, load(after)) as OrgView;
    return admitted(blocks, from, upper, positions);
  }

  /**
   * The same for a table read asynchronously (PostgreSQL), where other queries run while this
   * one reads: one of them may have cached the same blocks (they are skipped), or evicted the
   * org (then its blocks are read again, all of them).
   */
  async candidatesAsync(
    orgPk: number,
    from: number,
    upper: number,
    positions: readonly number[],
    load: (after: number) => Promise<LoadedBlocks>,
  ): Promise<BlockRow[]> {
    const after = this.loadAfter(orgPk);
    const blocks =
      this.update(orgPk, after, await load(after)) ?? (this.update(orgPk, -1, await load(-1)) as OrgView);
    return admitted(blocks, from, upper, positions);
  }

  /** The block after which an org's blocks are read from the table: its last cached one, or -1. */
  private loadAfter(orgPk: number): number {
    return this.orgs.get(orgPk)?.lastFull ?? -1;
  }

  /**
   * Caches what was read of an org above `after` and answers all its blocks; undefined when
   * the cache holds less of the org than `after` says (it was evicted meanwhile).
   */
  private update(orgPk: number, after: number, loaded: LoadedBlocks): OrgView | undefined {
    let org = this.orgs.get(orgPk);
    if (org) {
      // Most recently used last.
      this.orgs.delete(orgPk);
      this.orgs.set(orgPk, org);
    } else {
      org = { rows: [], lastFull: -1 };
      this.orgs.set(orgPk, org);
    }
    if (org.lastFull < after) return undefined;
    const fresh = [...loaded.rows];
    // Every block but the newest is full; the newest is used now and read again next time.
    let open = fresh.pop();
    const { first } = loaded;
    const purged = first === null ? org.rows.length : org.rows.findIndex((row) => row.block >= first);
    if (purged !== 0) {
      const drop = purged === -1 ? org.rows.length : purged;
      org.rows.splice(0, drop);
      this.bytes -= drop * BLOCK_BYTES_ESTIMATE;
    }
    // Blocks another query cached while this one read are there already.
    const known = org.lastFull;
    const added = fresh.filter((row) => row.block > known);
    if (open && open.block <= known) open = undefined;
    for (const row of added) org.rows.push({ ...row, bits: new Uint8Array(row.bits) });
    if (added.length > 0) org.lastFull = added[added.length - 1]!.block;
    this.bytes += added.length * BLOCK_BYTES_ESTIMATE;
    const rows = org.rows;
    this.evict(orgPk);
    return { rows, open };
  }

  /** Forgets an org's blocks (its events were purged or rewritten). */
  forget(orgPk: number): void {
    const org = this.orgs.get(orgPk);
    if (!org) return;
    this.bytes -= org.rows.length * BLOCK_BYTES_ESTIMATE;
    this.orgs.delete(orgPk);
  }

  private evict(keep: number): void {
    for (const [pk] of this.orgs) {
      if (this.bytes <= this.budgetBytes) return;
      if (pk !== keep) this.forget(pk);
    }
    // One org larger than the whole budget is not kept at all.
    if (this.bytes > this.budgetBytes) this.forget(keep);
  }
}

function admitted(blocks: OrgView, from: number, upper: number, positions: readonly number[]): BlockRow[] {
  const out: BlockRow[] = [];
  const consider = (row: BlockRow) => {
    if (row.max_occurred_at >= from && row.min_occurred_at <= upper && hasAllBits(row.bits, positions)) {
      out.push(row);
    }
  };
  for (const row of blocks.rows) consider(row);
  if (blocks.open) consider(blocks.open);
  return out.sort((a, b) => b.max_occurred_at - a.max_occurred_at);
}

/** Memory of one cached block: its bitset and the row around it. */
const BLOCK_BYTES_ESTIMATE = BLOCK_BYTES + 64;
