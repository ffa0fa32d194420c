/** What the ingest writer reported for one event it appended (or found already stored). */
export interface CommittedLink {
  seq: number;
  hash: string;
  /** The event was stored before: it took no new seq. */
  duplicate: boolean;
}

interface Run {
  first: number;
  hashes: string[];
}

/**
 * The hashes of events this process's ingest just committed, per org, kept until the
 * checkpointer signs their range. The writer made each of them from the previous one inside
 * its transaction, so a range held here whole is a chain as stored, and the signer need not
 * read it back: on a busy server that read competed with ingest for the same two cores. Events
 * written any other way leave a gap that starts a new run; a range not held whole is read from
 * the store as before. At most `capacity` hashes are held across orgs: when the signer falls
 * that far behind (or another process holds its lease), everything held is dropped and kept
 * anew from the next commit, and the signer reads back what was dropped.
 */
export class RecentHashes {
  private readonly runs = new Map<string, Run>();
  private held = 0;

  constructor(private readonly capacity = 100_000) {}

  /** One commit's links of one org, in seq order. */
  add(org: string, links: readonly CommittedLink[]): void {
    for (const link of links) {
      if (link.duplicate) continue;
      if (this.held >= this.capacity) {
        this.runs.clear();
        this.held = 0;
      }
      let run = this.runs.get(org);
      if (!run || run.first + run.hashes.length !== link.seq) {
        if (run) this.held -= run.hashes.length;
        run = { first: link.seq, hashes: [] };
        this.runs.set(org, run);
      }
      run.hashes.push(link.hash);
      this.held += 1;
    }
  }

  /**
   * The hashes of seqs from..to when all of them are held, else undefined. Either way nothing
   * at or before `to` is held afterwards: those seqs are being signed now.
   */
  take(org: string, from: number, to: number): string[] | undefined {
    const run = this.runs.get(org);
    if (!run) return undefined;
    const last = run.first + run.hashes.length - 1;
    const hashes =
      from >= run.first && to <= last ? run.hashes.slice(from - run.first, to - run.first + 1) : undefined;
    const drop = Math.min(run.hashes.length, Math.max(0, to - run.first + 1));
    if (drop === run.hashes.length) this.runs.delete(org);
    else {
      run.hashes = run.hashes.slice(drop);
      run.first += drop;
    }
    this.held -= drop;
    return hashes;
  }
}
