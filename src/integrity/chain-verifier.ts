import type { Checkpoint, FailureReason, VerifyFailure, VerifyReport } from '../contracts/chain.js';
import { chainHash } from '../domain/chain.js';
import { columnMismatch } from '../domain/event-columns.js';
import { checkpointSignatureValid } from './checkpoint.js';
import type { KeyRing } from './ed25519-keys.js';

/** The `prev_hash` of an org's first event (SPEC §3). */
export const GENESIS = '0'.repeat(64);

export type { FailureReason, VerifyFailure, VerifyReport } from '../contracts/chain.js';

/**
 * One link of the chain as stored. `body` is the exact canonical text that was hashed (RFC 8785
 * JSON of the event without `hash` and `prev_hash`), or null for a request log entry whose
 * content the retention job removed while keeping its place in the chain.
 */
export interface ChainLink {
  seq: number;
  prev_hash: string;
  hash: string;
  body: string | null;
  /**
   * The stored columns derived from the body (domain/event-columns.ts, DERIVED_COLUMNS order),
   * when the walk reads them (online): each is checked against the body (column_mismatch).
   */
  columns?: readonly unknown[];
  /**
   * The hash and the seq inside the body are not checked here: the caller checked them (offline,
   * unordered files), or leaves them to verification (the checkpoint signer).
   */
  verified?: boolean;
}

/** Where the retained chain begins: its first seq and the hash that precedes it. */
export interface ChainStart {
  seq: number;
  prev_hash: string;
}

export interface ChainVerifierOptions {
  org: string;
  start: ChainStart;
  keys: KeyRing;
  /**
   * Every checkpoint of the org is given (online, complete exports): consecutive checkpoints
   * must cover consecutive ranges, and a chain that starts after seq 1 must start right after
   * a signed checkpoint (its retention anchor).
   */
  allCheckpoints: boolean;
}

/**
 * The seq inside a canonical body, without parsing it. In RFC 8785 text the top-level members
 * are sorted, and the only ones after `seq` are `status` and `workspace`, both strings, which
 * cannot hold an unescaped quote: so the last `"seq":` in the text is the event's own.
 */
export function bodySeq(body: string): number {
  const at = body.lastIndexOf('"seq":');
  if (at < 0) return Number.NaN;
  let n = 0;
  let i = at + 6;
  for (let c = body.charCodeAt(i); c >= 48 && c <= 57; c = body.charCodeAt(++i)) n = n * 10 + (c - 48);
  return i === at + 6 ? Number.NaN : n;
}

function parsedSeq(body: string): number {
  try {
    const seq = (JSON.parse(body) as { seq?: unknown }).seq;
    return typeof seq === 'number' ? seq : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function sameCheckpoint(a: Checkpoint, b: Checkpoint): boolean {
  return (
    a.org === b.org &&
    a.seq === b.seq &&
    a.hash === b.hash &&
    a.from_seq === b.from_seq &&
    a.tree_root === b.tree_root &&
    a.signed_at === b.signed_at &&
    a.key_id === b.key_id &&
    a.signature === b.signature
  );
}

/**
 * Walks one org's chain in seq order, one link at a time, in constant memory (plus the
 * checkpoints not reached yet), and stops at the first thing that is wrong. Shared by the
 * online route, the checkpoint signer and the offline verifier, so they agree on every reason.
 *
 * Per link, in this order: its seq is the next one (seq_gap); its hash is sha256(prev_hash +
 * "\n" + body) (hash_mismatch); each stored column the walk read says what the body says
 * (column_mismatch); its prev_hash is the previous link's hash (link_broken); the seq inside its
 * body is its position (seq_gap); a checkpoint at its seq is validly signed
 * (signature_invalid) and names its hash (checkpoint_mismatch). At the end, a checkpoint or a
 * head beyond the last link means links were cut off (truncated_after_checkpoint).
 */
export class ChainVerifier {
  private readonly org: string;
  private readonly keys: KeyRing;
  private readonly allCheckpoints: boolean;
  private readonly start: ChainStart;
  private expectedSeq: number;
  private prevHash: string;
  /** Checkpoints not reached yet, by seq. */
  private readonly pending = new Map<number, Checkpoint>();
  /** Seqs given two different checkpoints. */
  private readonly conflicting = new Set<number>();
  private anchorCheckpoint: Checkpoint | undefined;
  private lastCheckpointSeq: number | undefined;
  private started = false;
  private checked = 0;
  private pruned = 0;
  private checkpointsChecked = 0;
  private firstSeq: number | null = null;
  private lastSeq: number | null = null;
  private failed: VerifyFailure | undefined;

  constructor(options: ChainVerifierOptions) {
    this.org = options.org;
    this.keys = options.keys;
    this.allCheckpoints = options.allCheckpoints;
    this.start = options.start;
    this.expectedSeq = options.start.seq;
    this.prevHash = options.start.prev_hash;
  }

  get failure(): VerifyFailure | undefined {
    return this.failed;
  }

  /** In any order, before the walk reaches the checkpoint's seq; later ones are ignored. */
  addCheckpoint(cp: Checkpoint): void {
    if (cp.seq < this.start.seq - 1) return; // covers history that retention removed
    if (cp.seq === this.start.seq - 1) {
      if (this.anchorCheckpoint && !sameCheckpoint(this.anchorCheckpoint, cp)) this.conflicting.add(cp.seq);
      this.anchorCheckpoint ??= cp;
      return;
    }
    if (cp.seq < this.expectedSeq) return;
    const known = this.pending.get(cp.seq);
    if (known && !sameCheckpoint(known, cp)) this.conflicting.add(cp.seq);
    if (!known) this.pending.set(cp.seq, cp);
  }

  /** The pending checkpoint with the smallest seq. */
  private nextCheckpoint(): Checkpoint | undefined {
    let next: Checkpoint | undefined;
    for (const cp of this.pending.values()) if (!next || cp.seq < next.seq) next = cp;
    return next;
  }

  private fail(
    seq: number,
    reason: FailureReason,
    detail: string,
    about?: { id: string; column: string },
  ): false {
    this.failed = { seq, reason, detail, ...about };
    return false;
  }

  /** The retained chain starts after history removed by retention: a signed checkpoint must say so. */
  private checkStart(): boolean {
    this.started = true;
    if (this.start.seq === 1) {
      if (this.start.prev_hash !== GENESIS) {
        return this.fail(1, 'link_broken', 'the first event of a chain follows the genesis hash');
      }
      return true;
    }
    const anchor = this.anchorCheckpoint;
    if (!anchor) {
      // A purge that stopped between two batches leaves the start inside a checkpoint's range:
      // reaching that checkpoint's hash proves the start.
      const covering = this.nextCheckpoint();
      if (!this.allCheckpoints || (covering && covering.from_seq <= this.start.seq)) return true;
      return this.fail(
        this.start.seq - 1,
        'checkpoint_mismatch',
        `the chain starts at seq ${this.start.seq} but no checkpoint covers seq ${this.start.seq - 1}`,
      );
    }
    if (this.conflicting.has(anchor.seq)) {
      return this.fail(anchor.seq, 'checkpoint_mismatch', 'two different checkpoints claim this seq');
    }
    if (!this.checkSignature(anchor)) return false;
    if (anchor.hash !== this.start.prev_hash) {
      return this.fail(anchor.seq, 'checkpoint_mismatch', 'the retention anchor differs from its checkpoint');
    }
    this.checkpointsChecked += 1;
    this.lastCheckpointSeq = anchor.seq;
    return true;
  }

  private checkSignature(cp: Checkpoint): boolean {
    if (cp.org !== this.org) {
      return this.fail(cp.seq, 'checkpoint_mismatch', `the checkpoint names organization ${cp.org}`);
    }
    if (!checkpointSignatureValid(cp, this.keys)) {
      const known = this.keys.get(cp.key_id) !== undefined;
      return this.fail(
        cp.seq,
        'signature_invalid',
        known ? 'the checkpoint signature does not verify' : `no trusted public key has id ${cp.key_id}`,
      );
    }
    return true;
  }

  /** Checks one link; false once anything is wrong (and for every link after that). */
  push(link: ChainLink): boolean {
    if (this.failed) return false;
    if (!this.started && !this.checkStart()) return false;
    const seq = link.seq;
    if (seq !== this.expectedSeq) {
      return this.fail(
        this.expectedSeq,
        'seq_gap',
        seq > this.expectedSeq
          ? `seq ${this.expectedSeq}${seq > this.expectedSeq + 1 ? `..${seq - 1}` : ''} is missing`
          : `seq ${seq} appears again after seq ${this.expectedSeq - 1}`,
      );
    }
    if (link.verified) {
      // checked by the caller
    } else if (link.body === null) {
      this.pruned += 1;
    } else if (chainHash(link.prev_hash, link.body) !== link.hash) {
      return this.fail(seq, 'hash_mismatch', 'the event does not hash to its stored hash');
    }
    // Before the link: an event moved here from another org's chain is named as such.
    if (link.columns && link.body !== null) {
      const wrong = columnMismatch(link.body, this.org, link.columns);
      if (wrong) {
        return this.fail(
          seq,
          'column_mismatch',
          `event ${wrong.id}: the stored ${wrong.column} is ${wrong.stored} but its hashed body says ${wrong.derived}`,
          { id: wrong.id, column: wrong.column },
        );
      }
    }
    if (link.prev_hash !== this.prevHash) {
      return this.fail(seq, 'link_broken', "prev_hash is not the previous event's hash");
    }
    if (!link.verified && link.body !== null && bodySeq(link.body) !== seq && parsedSeq(link.body) !== seq) {
      return this.fail(seq, 'seq_gap', 'the event stored at this seq says it belongs elsewhere');
    }
    const cp = this.pending.size > 0 ? this.pending.get(seq) : undefined;
    if (cp) {
      this.pending.delete(seq);
      if (this.conflicting.has(seq)) {
        return this.fail(seq, 'checkpoint_mismatch', 'two different checkpoints claim this seq');
      }
      if (!this.checkSignature(cp)) return false;
      if (cp.hash !== link.hash) {
        return this.fail(seq, 'checkpoint_mismatch', 'the chain hash differs from the signed checkpoint');
      }
      if (
        this.allCheckpoints &&
        this.lastCheckpointSeq !== undefined &&
        cp.from_seq !== this.lastCheckpointSeq + 1
      ) {
        return this.fail(
          seq,
          'checkpoint_mismatch',
          'a checkpoint between this one and the previous is missing',
        );
      }
      if (this.allCheckpoints && this.lastCheckpointSeq === undefined && cp.from_seq > this.start.seq) {
        return this.fail(seq, 'checkpoint_mismatch', 'a checkpoint before this one is missing');
      }
      this.lastCheckpointSeq = cp.seq;
      this.checkpointsChecked += 1;
    }
    if (this.firstSeq === null) this.firstSeq = seq;
    this.lastSeq = seq;
    this.prevHash = link.hash;
    this.expectedSeq = seq + 1;
    this.checked += 1;
    return true;
  }

  /** The seq the next link must have. */
  get nextSeq(): number {
    return this.expectedSeq;
  }

  /** The last link's hash so far (the start's prev_hash before any). */
  get tipHash(): string {
    return this.prevHash;
  }

  /**
   * Ends the walk. `head` is what the store says its newest link is (online), or what an export
   * says it was: links missing before it are a truncation too.
   */
  finish(head?: { seq: number; hash: string }): VerifyReport {
    if (!this.failed && !this.started) this.checkStart();
    if (!this.failed) {
      const next = this.expectedSeq;
      const beyond = this.nextCheckpoint();
      if (beyond) {
        this.fail(
          next,
          'truncated_after_checkpoint',
          `seq ${next}${beyond.seq > next ? `..${beyond.seq}` : ''} missing: checkpoint ${beyond.seq} is signed but the chain ends at seq ${next - 1}`,
        );
      } else if (head && head.seq > next - 1) {
        this.fail(
          next,
          'truncated_after_checkpoint',
          `the head is seq ${head.seq} but the chain ends at seq ${next - 1}`,
        );
      } else if (head && head.seq < next - 1) {
        this.fail(head.seq + 1, 'link_broken', `events follow the head (seq ${head.seq})`);
      } else if (head && head.seq === next - 1 && head.seq >= this.start.seq && head.hash !== this.prevHash) {
        this.fail(head.seq, 'hash_mismatch', "the newest event's hash differs from the recorded head");
      }
    }
    const report: VerifyReport = {
      ok: !this.failed,
      checked: this.checked,
      first_seq: this.firstSeq,
      last_seq: this.lastSeq,
      checkpoints_checked: this.checkpointsChecked,
      pruned: this.pruned,
    };
    if (this.failed) report.failure = this.failed;
    return report;
  }
}
