import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ChainVerifier } from '../integrity/chain-verifier.js';
import { type Checkpoint, signCheckpoint } from '../integrity/checkpoint.js';
import { KeyRing } from '../integrity/ed25519-keys.js';
import { merkleRootHex } from '../integrity/merkle.js';
import type { RecentHashes } from '../integrity/recent-hashes.js';
import type { UnsignedTail } from '../store/checkpoint-store.js';
import { type JobOptions, PeriodicJob } from './periodic-job.js';
import type { SigningKeys } from './signing-keys.js';

/** Signed ranges stored per write. */
const FLUSH_EVERY = 50;
/** Milliseconds of signing between turns given to the event loop. */
const SLICE_MS = 4;

export interface CheckpointerOptions extends JobOptions {
  keys: SigningKeys;
  now: () => Date;
  /** A checkpoint at least every this many events (SPEC §3: 1,000). */
  everyEvents: number;
  /** ... and no event waits longer than this for one (SPEC §3: 60 s). */
  maxAgeMs: number;
  /** The hashes this process's ingest committed; ranges held there whole are not read back. */
  recent?: RecentHashes;
}

export interface CheckpointRun {
  signed: number;
  /** Orgs whose unsigned events did not verify; nothing is signed for them. */
  refused: string[];
}

/**
 * Signs checkpoints. Each covers the events after the previous one, at most `everyEvents` of
 * them, and is signed only for a chain this process's writer made, or one read back whose links
 * and positions check out: the service never vouches for a chain it has not made or checked. A
 * tail shorter than `everyEvents` is signed once its oldest event is `maxAgeMs` old.
 */
export class Checkpointer extends PeriodicJob<CheckpointRun> {
  private readonly keys: SigningKeys;
  private readonly now: () => Date;
  private readonly everyEvents: number;
  private readonly maxAgeMs: number;
  private readonly recent: RecentHashes | undefined;

  constructor(options: CheckpointerOptions) {
    super('checkpointer', options);
    this.keys = options.keys;
    this.now = options.now;
    this.everyEvents = options.everyEvents;
    this.maxAgeMs = options.maxAgeMs;
    this.recent = options.recent;
  }

  protected async run(options: { force?: boolean } = {}): Promise<CheckpointRun> {
    const result: CheckpointRun = { signed: 0, refused: [] };
    const tails = await this.store.checkpoints.unsignedTails();
    for (const tail of tails) {
      if (this.isStopped) break;
      const ok = await this.signTail(tail, options.force ?? false, result);
      if (!ok) result.refused.push(tail.org);
    }
    return result;
  }

  /** Signs the whole unsigned tail of every org now, whatever its age (tests, shutdown, CLI). */
  async signAll(): Promise<CheckpointRun> {
    if (!(await this.renewLease())) return { signed: 0, refused: [] };
    return this.run({ force: true });
  }

  /**
   * Signs an org's unsigned tail range by range; the checkpoints are stored a batch at a time
   * (one write per FLUSH_EVERY ranges), which keeps a busy org's checkpoints up with its ingest.
   */
  private async signTail(tail: UnsignedTail, force: boolean, result: CheckpointRun): Promise<boolean> {
    let signedSeq = tail.signed_seq;
    let signedHash = tail.signed_hash;
    let ready: Checkpoint[] = [];
    let sliceStarted = performance.now();
    const flush = async (): Promise<boolean> => {
      const stored = await this.store.checkpoints.insert(ready);
      result.signed += stored;
      // Fewer stored: another signer stored these ranges first (a lease that expired mid-run).
      const all = stored === ready.length;
      ready = [];
      return all;
    };
    while (tail.head_seq > signedSeq && !this.isStopped) {
      const pending = tail.head_seq - signedSeq;
      let to: number;
      if (pending >= this.everyEvents) to = signedSeq + this.everyEvents;
      else if (force || (await this.oldEnough(tail.org, signedSeq + 1))) to = tail.head_seq;
      else break;
      const signed = await this.signRange(tail.org, signedSeq + 1, to, signedHash);
      if (signed === 'refused') {
        await flush();
        return false;
      }
      ready.push(signed);
      signedSeq = to;
      signedHash = signed.hash;
      // The store's reads answer without an I/O turn: let requests in every few milliseconds,
      // or a backlog of ranges holds the event loop long enough to leave the ingest writer
      // idle. Not after every range: on a busy server a turn of the loop takes tens of
      // milliseconds, and one range per turn fell behind ingest.
      if (performance.now() - sliceStarted >= SLICE_MS) {
        await yieldToLoop();
        sliceStarted = performance.now();
      }
      if (ready.length >= FLUSH_EVERY && !(await flush())) return true;
    }
    await flush();
    return true;
  }

  private async oldEnough(org: string, seq: number): Promise<boolean> {
    const received = await this.store.chain.receivedAt(org, seq);
    return received === undefined || this.now().getTime() - Date.parse(received) >= this.maxAgeMs;
  }

  /**
   * Answers seqs from..to signed: from the hashes this process's writer reported for them, or
   * else read back from the store and verified first.
   */
  private async signRange(
    org: string,
    from: number,
    to: number,
    prevHash: string,
  ): Promise<Checkpoint | 'refused'> {
    const hashes = this.recent?.take(org, from, to) ?? (await this.verifiedHashes(org, from, to, prevHash));
    if (hashes === 'refused') return 'refused';
    const signer = await this.keys.signer();
    return signCheckpoint(
      {
        org,
        seq: to,
        hash: hashes[hashes.length - 1]!,
        from_seq: from,
        tree_root: merkleRootHex(hashes),
        signed_at: this.now().toISOString(),
        key_id: signer.kid,
      },
      signer.privateKey,
    );
  }

  /** The hashes of seqs from..to as stored, once their links and positions check out. */
  private async verifiedHashes(
    org: string,
    from: number,
    to: number,
    prevHash: string,
  ): Promise<string[] | 'refused'> {
    // Links and positions are checked here; each event's hash against its text is left to
    // verification, which checks every event it reads (online, offline, on any export). A text
    // edited under an unchanged hash fails there all the same, whether or not it was signed,
    // and re-hashing every event's text here cost ingest 18% of its throughput.
    const links = await this.store.chain.links(org, from, to, to - from + 1, { bodies: false });
    for (const link of links) link.verified = true;
    const verifier = new ChainVerifier({
      org,
      start: { seq: from, prev_hash: prevHash },
      keys: new KeyRing(),
      allCheckpoints: false,
    });
    for (const link of links) if (!verifier.push(link)) break;
    const report = verifier.finish({ seq: to, hash: links[links.length - 1]?.hash ?? prevHash });
    if (!report.ok || links.length !== to - from + 1) {
      this.log.error(
        { org, from, to, failure: report.failure },
        'chain does not verify; checkpoint not signed',
      );
      await this.store.verifications.save(org, {
        ...report,
        ok: false,
        verified_at: this.now().toISOString(),
      });
      return 'refused';
    }
    return links.map((link) => link.hash);
  }
}
