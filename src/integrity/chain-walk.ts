import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { type ChainLink, type ChainStart, ChainVerifier, type VerifyReport } from './chain-verifier.js';
import type { Checkpoint } from './checkpoint.js';
import type { KeyRing } from './ed25519-keys.js';

const LINKS_PER_READ = 4000;
const CHECKPOINTS_PER_READ = 1000;

/** The reads a walk needs: every store provides them (`store.chain`, `store.checkpoints`). */
export interface ChainReads {
  chain: {
    links(
      org: string,
      fromSeq: number,
      toSeq: number,
      limit: number,
      options?: { columns?: boolean },
    ): Promise<ChainLink[]>;
  };
  checkpoints: {
    list(org: string, fromSeq: number, limit: number): Promise<Checkpoint[]>;
    covering(org: string, seq: number): Promise<Checkpoint | undefined>;
  };
}

/**
 * A stretch of one org's chain that can be walked on its own. Parts after the first start right
 * after a signed checkpoint, from that checkpoint's hash, as a chain whose older history was
 * removed starts from its retention anchor; each part but the last ends at that checkpoint.
 */
export interface ChainPart {
  start: ChainStart;
  /** The seq of the checkpoint that ends the part; absent for the last part, which runs to the head. */
  through?: number;
}

/**
 * Walks one part of an org's chain against its checkpoints and the public keys, and every
 * event's stored columns against its body. Reads a few
 * thousand links at a time and yields between reads, so memory stays flat and a server keeps
 * serving while a long chain is checked. A part that ends at a checkpoint reads one link past
 * it at most: the next part's first, or the one that shows a gap here, which is then reported
 * exactly as one walk over the whole chain would report it.
 *
 * `head` is what the store says the org's newest link is; only the last part is given it.
 */
export async function walkChainPart(
  reads: ChainReads,
  org: string,
  keys: KeyRing,
  part: ChainPart,
  head?: { seq: number; hash: string },
): Promise<VerifyReport> {
  const { start, through } = part;
  const verifier = new ChainVerifier({ org, start, keys, allCheckpoints: true });

  // Checkpoints are loaded a page at a time, always at least one beyond the links read so far,
  // so the verifier knows the checkpoint that covers where the part starts and where it ends.
  let checkpointsFrom = Math.max(1, start.seq - 1);
  let checkpointsDone = false;
  let loadedThrough = 0;
  const loadCheckpoints = async (upTo: number) => {
    while (!checkpointsDone && loadedThrough <= upTo) {
      const page = await reads.checkpoints.list(org, checkpointsFrom, CHECKPOINTS_PER_READ);
      for (const cp of page) {
        if (through !== undefined && cp.seq > through) checkpointsDone = true;
        else verifier.addCheckpoint(cp);
      }
      if (page.length < CHECKPOINTS_PER_READ) checkpointsDone = true;
      else {
        loadedThrough = page[page.length - 1]!.seq;
        checkpointsFrom = loadedThrough + 1;
      }
    }
  };

  let next = start.seq;
  for (;;) {
    await loadCheckpoints(next + LINKS_PER_READ);
    const limit = through === undefined ? LINKS_PER_READ : Math.min(LINKS_PER_READ, through - next + 2);
    // With the stored columns, which the verifier checks against each event's body.
    const links = await reads.chain.links(org, next, Number.MAX_SAFE_INTEGER, limit, { columns: true });
    let ended = links.length < limit;
    for (const link of links) {
      const atNextPart = through !== undefined && link.seq > through && verifier.nextSeq === through + 1;
      if (atNextPart || !verifier.push(link)) {
        ended = true;
        break;
      }
    }
    if (ended) break;
    next = links[links.length - 1]!.seq + 1;
    await yieldToLoop();
  }
  if (through === undefined && !verifier.failure) {
    // One checkpoint beyond the last link is enough to tell that links were cut off.
    const beyond = await reads.checkpoints.covering(org, verifier.nextSeq);
    if (beyond) verifier.addCheckpoint(beyond);
  }
  return verifier.finish(head);
}

/**
 * Splits the chain from `start` to `headSeq` into at most `count` parts of at least `minEvents`
 * events each, at the signed checkpoints nearest to equal shares.
 */
export async function planChainParts(
  reads: ChainReads,
  org: string,
  start: ChainStart,
  headSeq: number,
  count: number,
  minEvents: number,
): Promise<ChainPart[]> {
  const total = headSeq - start.seq + 1;
  const shares = Math.max(1, Math.min(count, Math.floor(total / minEvents)));
  const parts: ChainPart[] = [];
  let from = start;
  for (let i = 1; i < shares; i++) {
    const cp = await reads.checkpoints.covering(org, start.seq + Math.floor((total * i) / shares) - 1);
    if (!cp || cp.seq >= headSeq) break;
    if (cp.seq < from.seq) continue;
    parts.push({ start: from, through: cp.seq });
    from = { seq: cp.seq + 1, prev_hash: cp.hash };
  }
  parts.push({ start: from });
  return parts;
}

/**
 * The report of one walk over the whole chain, from the reports of its parts in order: the
 * first failure in seq order is the first failing part's, and nothing after it counts.
 */
export function mergePartReports(reports: readonly VerifyReport[]): VerifyReport {
  const merged: VerifyReport = {
    ok: true,
    checked: 0,
    first_seq: null,
    last_seq: null,
    checkpoints_checked: 0,
    pruned: 0,
  };
  for (const [i, report] of reports.entries()) {
    merged.checked += report.checked;
    merged.pruned += report.pruned;
    // A later part starts from the checkpoint that ended the part before it, which counted it.
    merged.checkpoints_checked +=
      report.checkpoints_checked - (i > 0 ? Math.min(1, report.checkpoints_checked) : 0);
    merged.first_seq ??= report.first_seq;
    if (report.last_seq !== null) merged.last_seq = report.last_seq;
    if (!report.ok) {
      merged.ok = false;
      if (report.failure) merged.failure = report.failure;
      break;
    }
  }
  return merged;
}
