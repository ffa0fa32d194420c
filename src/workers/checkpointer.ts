import { type ChainLink, ChainVerifier } from '../integrity/chain-verifier.js';
import { signCheckpoint } from '../integrity/checkpoint.js';
import { merkleRootHex } from '../integrity/merkle.js';
import { KeyRing } from '../integrity/signing-keys.js';
import type { SigningKeys } from '../operations/signing-keys.js';
import type { UnsignedTail } from '../store/integrity-store.js';
import { type JobOptions, PeriodicJob } from './periodic-job.js';

export interface CheckpointerOptions extends JobOptions {
  keys: SigningKeys;
  now: () => Date;
  /** A checkpoint at least every this many events (SPEC §3: 1,000). */
  everyEvents: number;
  /** ... and no event waits longer than this for one (SPEC §3: 60 s). */
  maxAgeMs: number;
}

export interface CheckpointRun {
  signed: number;
  /** Orgs whose unsigned events did not verify; nothing is signed for them. */
  refused: string[];
}

/**
 * Signs checkpoints. Each covers the events after the previous one, at most `everyEvents` of
 * them, and is signed only after those events verified (hashes, links, positions): the service
 * never vouches for a chain it has not checked. A tail shorter than `everyEvents` is signed once
 * its oldest event is `maxAgeMs` old.
 */
export class Checkpointer extends PeriodicJob<CheckpointRun> {
  private readonly keys: SigningKeys;
  private readonly now: () => Date;
  private readonly everyEvents: number;
  private readonly maxAgeMs: number;

  constructor(options: CheckpointerOptions) {
    super('checkpointer', options);
    this.keys = options.keys;
    this.now = options.now;
    this.everyEvents = options.everyEvents;
    this.maxAgeMs = options.maxAgeMs;
  }

  protected async run(options: { force?: boolean } = {}): Promise<CheckpointRun> {
    const result: CheckpointRun = { signed: 0, refused: [] };
    const tails = await this.store.integrity.unsignedTails();
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

  private async signTail(tail: UnsignedTail, force: boolean, result: CheckpointRun): Promise<boolean> {
    let signedSeq = tail.signed_seq;
    let signedHash = tail.signed_hash;
    while (tail.head_seq > signedSeq) {
      const pending = tail.head_seq - signedSeq;
      let to: number;
      if (pending >= this.everyEvents) to = signedSeq + this.everyEvents;
      else if (force || (await this.oldEnough(tail.org, signedSeq + 1))) to = tail.head_seq;
      else return true;
      const signed = await this.signRange(tail.org, signedSeq + 1, to, signedHash);
      if (signed === 'refused') return false;
      if (signed === 'raced') return true;
      result.signed += 1;
      signedSeq = to;
      signedHash = signed.hash;
    }
    return true;
  }

  private async oldEnough(org: string, seq: number): Promise<boolean> {
    const received = await this.store.integrity.receivedAt(org, seq);
    return received === undefined || this.now().getTime() - Date.parse(received) >= this.maxAgeMs;
  }

  /** Verifies seqs from..to, then signs them and answers the hash at `to`. */
  private async signRange(
    org: string,
    from: number,
    to: number,
    prevHash: string,
  ): Promise<{ hash: string } | 'refused' | 'raced'> {
    const links: ChainLink[] = await this.store.integrity.chainLinks(org, from, to, to - from + 1);
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
      await this.store.integrity.saveVerification(org, {
        ...report,
        ok: false,
        verified_at: this.now().toISOString(),
      });
      return 'refused';
    }
    const signer = await this.keys.signer();
    const hash = links[links.length - 1]!.hash;
    const cp = signCheckpoint(
      {
        org,
        seq: to,
        hash,
        from_seq: from,
        tree_root: merkleRootHex(links.map((l) => l.hash)),
        signed_at: this.now().toISOString(),
        key_id: signer.kid,
      },
      signer.privateKey,
    );
    if (!(await this.store.integrity.insertCheckpoint(cp))) {
      // Another signer stored this range first (a lease that expired mid-run): stop here.
      return 'raced';
    }
    return { hash };
  }
}
