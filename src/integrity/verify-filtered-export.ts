import { chainHash } from '../domain/chain.js';
import { GENESIS } from './chain-verifier.js';
import { type Checkpoint, checkpointSignatureValid } from './checkpoint.js';
import {
  asAnchor,
  asCheckpoint,
  BadLine,
  type Consumer,
  type ExportHeaderInfo,
  type ExportLine,
  failed,
  type Json,
  Keys,
  LowestFailure,
  type OfflineOptions,
  type OfflineReport,
  type ParsedEvent,
  parseEvent,
  record,
  text,
  VERSION_1_NOTE,
} from './export-lines.js';
import { verifyInclusion } from './merkle.js';
import { RECORD_PREFIX } from './proof-records.js';

/**
 * A filtered `with_proof=1` export: each event checked on its own, by its hash and its Merkle
 * inclusion proof in a signed checkpoint. Since format 2 the export also carries the org's
 * latest signed checkpoint and the proof that the store held that checkpoint's whole range when
 * exported (`stored_through`), so a deleted tail fails here too. What a filtered export cannot
 * prove, it says (`notes`): that no other event matches its filters.
 */
export class FilteredExport implements Consumer {
  private readonly keys: Keys;
  private readonly checkpoints = new Map<number, Checkpoint>();
  private readonly signatureValid = new Map<number, boolean>();
  private readonly failures = new LowestFailure();
  private newestCheckpoint = 0;
  private checked = 0;
  private firstSeq: number | null = null;
  private lastSeq: number | null = null;
  private readonly unproven: number[] = [];
  /** The event whose proof should come next. */
  private pending: ParsedEvent | undefined;
  private end: Json | undefined;
  private latest: Checkpoint | undefined;
  private anchor: { seq: number; prev_hash: string } | undefined;
  private storedThrough: Json | undefined;
  /** Events of the export at or below the latest checkpoint's seq. */
  private eventsThroughLatest = 0;

  constructor(
    private readonly header: ExportHeaderInfo,
    options: OfflineOptions,
  ) {
    this.keys = new Keys(options.trustedKeys);
    for (const cp of options.checkpoints ?? []) {
      if (cp.org !== header.org) continue;
      this.checkpoints.set(cp.seq, cp);
      this.newestCheckpoint = Math.max(this.newestCheckpoint, cp.seq);
    }
  }

  feed(line: ExportLine): boolean {
    try {
      this.take(text(line));
    } catch (error) {
      if (!(error instanceof BadLine)) throw error;
      this.failures.fail(this.lastSeq ?? 0, 'hash_mismatch', error.message);
      return false;
    }
    return true;
  }

  private settle(): void {
    if (this.pending) this.unproven.push(this.pending.seq);
    this.pending = undefined;
  }

  private addCheckpoint(cp: Checkpoint): void {
    const known = this.checkpoints.get(cp.seq);
    if (known && known.signature !== cp.signature) {
      this.failures.fail(
        cp.seq,
        'checkpoint_mismatch',
        'the export and --checkpoints disagree on this checkpoint',
      );
    }
    this.checkpoints.set(cp.seq, cp);
    this.newestCheckpoint = Math.max(this.newestCheckpoint, cp.seq);
  }

  private take(line: string): void {
    if (line === '') return;
    if (line.startsWith(RECORD_PREFIX)) {
      const rec = record(line);
      if (rec.trailmark === 'signing_key') this.keys.add(rec);
      else if (rec.trailmark === 'checkpoint') this.addCheckpoint(asCheckpoint(rec));
      else if (rec.trailmark === 'latest_checkpoint') {
        this.latest = asCheckpoint(rec);
        this.addCheckpoint(this.latest);
      } else if (rec.trailmark === 'anchor') this.anchor = asAnchor(rec);
      else if (rec.trailmark === 'stored_through') this.storedThrough = rec;
      else if (rec.trailmark === 'proof') {
        const event = this.pending;
        this.pending = undefined;
        if (!event || rec.seq !== event.seq) throw new BadLine('a proof record does not follow its event');
        this.checkProof(event, rec);
      } else if (rec.trailmark === 'end') this.end = rec;
      return;
    }
    this.settle();
    const event = parseEvent(line);
    this.firstSeq = this.firstSeq === null ? event.seq : Math.min(this.firstSeq, event.seq);
    this.lastSeq = this.lastSeq === null ? event.seq : Math.max(this.lastSeq, event.seq);
    if (this.latest && event.seq <= this.latest.seq) this.eventsThroughLatest += 1;
    if (chainHash(event.prev_hash, event.body) !== event.hash) {
      this.failures.fail(event.seq, 'hash_mismatch', 'the event does not hash to its stored hash');
      return;
    }
    if (event.seq === 1 && event.prev_hash !== GENESIS) {
      this.failures.fail(1, 'link_broken', 'the first event of a chain follows the genesis hash');
      return;
    }
    this.pending = event;
  }

  /** Whether `cp` is this org's and validly signed; a bad signature is a failure. */
  private signed(cp: Checkpoint): boolean {
    let valid = this.signatureValid.get(cp.seq);
    if (valid === undefined) {
      valid = cp.org === this.header.org && checkpointSignatureValid(cp, this.keys.ring);
      this.signatureValid.set(cp.seq, valid);
    }
    if (!valid) this.failures.fail(cp.seq, 'signature_invalid', 'the checkpoint signature does not verify');
    return valid;
  }

  private checkProof(event: ParsedEvent, rec: Json): void {
    const cp = this.checkpoints.get(rec.checkpoint_seq as number);
    if (!cp) {
      this.failures.fail(
        event.seq,
        'checkpoint_mismatch',
        `the proof names checkpoint ${String(rec.checkpoint_seq)}, which the export does not hold`,
      );
      return;
    }
    if (!this.signed(cp)) return;
    if (!proofHolds(rec, event.seq, event.hash, cp)) {
      this.failures.fail(
        event.seq,
        'checkpoint_mismatch',
        `the event is not at seq ${event.seq} of checkpoint ${cp.seq}`,
      );
      return;
    }
    this.checked += 1;
  }

  /**
   * The latest checkpoint's range was held whole by the store when exported: its last leaf's
   * proof holds, or retention removed exactly that range (the anchor follows it).
   */
  private checkLatest(latest: Checkpoint): void {
    if (!this.signed(latest)) return;
    const rec = this.storedThrough;
    if (rec && rec.checkpoint_seq === latest.seq && proofHolds(rec, latest.seq, latest.hash, latest)) return;
    const anchor = this.anchor;
    if (anchor && anchor.seq === latest.seq + 1 && anchor.prev_hash === latest.hash) return;
    this.failures.fail(
      latest.seq,
      'truncated_after_checkpoint',
      `the latest signed checkpoint is seq ${latest.seq}, but the store no longer held every event of its range (seq ${latest.from_seq}..${latest.seq}) when this was exported: events were deleted`,
    );
  }

  finish(): OfflineReport {
    this.settle();
    const latest = this.latest;
    if (latest) this.checkLatest(latest);
    // An event a known checkpoint covers must come with its proof; only newer ones may lack one.
    let unattested = 0;
    for (const seq of this.unproven) {
      if (seq <= this.newestCheckpoint) {
        this.failures.fail(
          seq,
          'checkpoint_mismatch',
          'no inclusion proof, though a signed checkpoint covers this seq: the store did not hold that checkpoint’s whole range when exported',
        );
      } else {
        unattested += 1;
        this.checked += 1;
      }
    }
    const head = this.end?.head as { seq?: unknown } | undefined;
    if (latest && head && typeof head.seq === 'number' && head.seq < latest.seq) {
      this.failures.fail(
        head.seq + 1,
        'truncated_after_checkpoint',
        `the export says the chain ends at seq ${head.seq}, before signed checkpoint ${latest.seq}`,
      );
    }
    if (!this.end && !this.failures.failure) {
      this.failures.fail(
        (this.lastSeq ?? 0) + 1,
        'truncated_after_checkpoint',
        'the export ends without its end record: it was cut short',
      );
    }
    const retainedFrom = this.anchor?.seq ?? 1;
    const notInExport = latest ? Math.max(0, latest.seq - retainedFrom + 1 - this.eventsThroughLatest) : 0;
    return failed(
      {
        checked: this.checked,
        first_seq: this.firstSeq,
        last_seq: this.lastSeq,
        checkpoints_checked: [...this.signatureValid.values()].filter(Boolean).length,
        pruned: 0,
        mode: 'filtered',
        org: this.header.org,
        unattested,
        keys: this.keys.source,
        latest_checkpoint: latest?.seq ?? null,
        not_in_export: notInExport,
        notes: this.notes(notInExport),
      },
      this.failures.failure,
    );
  }

  private notes(notInExport: number): string[] {
    const filters = this.header.filters ? ` (filters: ${JSON.stringify(this.header.filters)})` : '';
    const notes = [
      `filtered export${filters}: each event in it is proven to be in the signed chain at its seq; it cannot prove that no other event matches the filters`,
    ];
    const latest = this.latest;
    if (this.header.version < 2) notes.push(VERSION_1_NOTE);
    else if (!latest)
      notes.push('no checkpoint was signed when this was exported: nothing signed attests its events yet');
    else {
      notes.push(
        `the latest signed checkpoint when exported is seq ${latest.seq}; ${notInExport} retained events up to it are not in this export, filtered out or missing: a complete export (with_proof=1 and no filter) or POST /v1/chain/verify tells which`,
      );
      if (!this.failures.failure) {
        notes.push(
          `the store still held the chain through signed checkpoint ${latest.seq} when this was exported: no tail had been cut off`,
        );
      }
    }
    return notes;
  }
}

/** A proof record's path leads from `hash` at `seq` to the root of `cp`'s tree. */
function proofHolds(rec: Json, seq: number, hash: string, cp: Checkpoint): boolean {
  const index = seq - cp.from_seq;
  const size = cp.seq - cp.from_seq + 1;
  const path = rec.path;
  return (
    rec.leaf_index === index &&
    rec.tree_size === size &&
    Array.isArray(path) &&
    path.every((p) => typeof p === 'string') &&
    verifyInclusion(hash, index, size, path as string[], cp.tree_root)
  );
}
