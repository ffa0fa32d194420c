import { BLOCK_BYTES, hasAllBits } from './search-bits.js';

/** A search block as the planner needs it: its number and time range, with its bits. */
export interface BlockRow {
  block: number;
  min_occurred_at: number;
  max_occurred_at: number;
  bits: Uint8Array;
}

interface OrgBlocks {
  /** Blocks in block order; every one of them full, so final (see below). */
  rows: BlockRow[];
  lastFull: number;
}

/**
 * The search blocks' bits kept in memory per org, so that a search tests them in script instead
 * of reading every bitset out of SQLite again (a million events: 3,900 blocks of 4 KiB then,
 * 16 MiB, about 40 ms per query, against 3 ms from memory).
 *
 * Only full blocks are kept. A block is written by the commits that append its 256 seqs and never
 * changes after the next block exists, so a block below the newest one read is final. Each query
 * reads from SQLite just the blocks after the last cached one (the open block, and whatever was
 * appended since) and the org's first block: blocks the retention purge deleted from the table
 * (in this process or another) are dropped here too. Orgs are evicted least-recently-used past a
 * byte budget.
 */
export class BlockCache {
  private readonly orgs = new Map<number, OrgBlocks>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

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
    load: (after: number) => { rows: BlockRow[]; first: number | null },
  ): BlockRow[] {
    let org = this.orgs.get(orgPk);
    if (org) {
      // Most recently used last.
      this.orgs.delete(orgPk);
      this.orgs.set(orgPk, org);
    } else {
      org = { rows: [], lastFull: -1 };
      this.orgs.set(orgPk, org);
    }
    const { rows: fresh, first } = load(org.lastFull);
    // Every block but the newest is full; the newest is used now and read again next time.
    const open = fresh.pop();
    const purged = first === null ? org.rows.length : org.rows.findIndex((row) => row.block >= first);
    if (purged !== 0) {
      const drop = purged === -1 ? org.rows.length : purged;
      org.rows.splice(0, drop);
      this.bytes -= drop * BLOCK_BYTES_ESTIMATE;
    }
    for (const row of fresh) org.rows.push({ ...row, bits: new Uint8Array(row.bits) });
    if (fresh.length > 0) org.lastFull = fresh[fresh.length - 1]!.block;
    this.bytes += fresh.length * BLOCK_BYTES_ESTIMATE;
    this.evict(orgPk);

    const out: BlockRow[] = [];
    const consider = (row: BlockRow) => {
      if (row.max_occurred_at >= from && row.min_occurred_at <= upper && hasAllBits(row.bits, positions)) {
        out.push(row);
      }
    };
    for (const row of org.rows) consider(row);
    if (open) consider(open);
    return out.sort((a, b) => b.max_occurred_at - a.max_occurred_at);
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

/** Memory of one cached block: its bitset and the row around it. */
const BLOCK_BYTES_ESTIMATE = BLOCK_BYTES + 64;
