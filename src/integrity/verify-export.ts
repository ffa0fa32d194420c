import { chainHash } from '../domain/chain.js';
import { canonicalJson } from '../domain/jcs.js';
import {
  bodySeq,
  type ChainStart,
  ChainVerifier,
  type FailureReason,
  GENESIS,
  type VerifyFailure,
  type VerifyReport,
} from './chain-verifier.js';
import { type Checkpoint, checkpointSignatureValid, isCheckpointShaped } from './checkpoint.js';
import { KeyRing } from './ed25519-keys.js';
import { verifyInclusion } from './merkle.js';
import { checkedEventBytes, RECORD_PREFIX, splitEventLine } from './proof-records.js';

/**
 * Offline verification of an export, without a server or a database: the logic behind
 * `trailmark verify`. Three kinds of file are understood:
 *
 * - complete `with_proof=1` exports: the retained chain in seq order with its checkpoints,
 *   checked link by link like the online verification;
 * - filtered `with_proof=1` exports: each event checked on its own, by its hash and its Merkle
 *   inclusion proof in a signed checkpoint;
 * - plain JSONL exports (any order) with `--checkpoints`: hashes checked line by line, then the
 *   events sorted by seq and checked as one contiguous chain segment.
 */

export interface OfflineOptions {
  /** Keys the user trusts (--public-key, --keys-url). Without them, the export's own keys are used. */
  trustedKeys?: KeyRing;
  /** Checkpoints from elsewhere (--checkpoints), e.g. kept from an earlier download. */
  checkpoints?: Checkpoint[];
}

export interface OfflineReport extends VerifyReport {
  mode: 'complete' | 'filtered' | 'plain';
  org: string | null;
  /** Events no signed checkpoint covers yet (the newest ones): checked, but not attested. */
  unattested: number;
  /** Where the public keys came from. */
  keys: 'trusted' | 'export';
}

type Json = Record<string, unknown>;

interface ParsedEvent {
  seq: number;
  hash: string;
  prev_hash: string;
  /** The canonical text of the event without its hash fields. */
  body: string;
}

class BadLine extends Error {}

/** An event line in any layout: the fast path for lines written by the exporter, else JSON. */
function parseEvent(line: string): ParsedEvent {
  const split = splitEventLine(line);
  if (split) {
    const seq = bodySeq(split.body);
    if (Number.isSafeInteger(seq)) return { ...split, seq };
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BadLine('a line is not JSON');
  }
  const event = value as Json;
  if (
    !event ||
    typeof event !== 'object' ||
    !Number.isSafeInteger(event.seq) ||
    typeof event.hash !== 'string' ||
    typeof event.prev_hash !== 'string'
  ) {
    throw new BadLine('a line is neither an event nor a Trailmark record');
  }
  const { hash, prev_hash, ...body } = event;
  return { seq: event.seq as number, hash, prev_hash, body: canonicalJson(body) };
}

function record(line: string): Json {
  try {
    return JSON.parse(line) as Json;
  } catch {
    throw new BadLine('a Trailmark record is not JSON');
  }
}

/** A line of the file without its newline: text, or its UTF-8 bytes as read. */
export type ExportLine = string | Buffer;

function text(line: ExportLine): string {
  return typeof line === 'string' ? line : line.toString('utf8');
}

/** Consumes one export line by line; `feed` answers false once nothing more needs reading. */
interface Consumer {
  feed(line: ExportLine): boolean;
  finish(): OfflineReport;
}

/**
 * Verifies an export given as batches of lines (without their newlines). Batches keep the
 * per-line cost to the checks themselves when the file has millions of lines; lines given as
 * bytes let a complete export's events be checked without decoding them.
 */
export async function verifyExport(
  batches: AsyncIterable<readonly ExportLine[]>,
  options: OfflineOptions = {},
): Promise<OfflineReport> {
  let consumer: Consumer | undefined;
  outer: for await (const batch of batches) {
    for (const line of batch) {
      if (!consumer) {
        const first = text(line);
        if (first.trim() === '') continue;
        consumer = consumerFor(first, options);
      }
      if (!consumer.feed(line)) break outer;
    }
  }
  return (consumer ?? new PlainExport(options)).finish();
}

function consumerFor(first: string, options: OfflineOptions): Consumer {
  if (first.startsWith(RECORD_PREFIX)) {
    const header = record(first);
    if (header.trailmark === 'export') {
      const org = typeof header.org === 'string' ? header.org : '';
      const consumer =
        header.complete === true ? new CompleteExport(org, options) : new FilteredExport(org, options);
      let headerSeen = false;
      return {
        feed: (line) => {
          if (headerSeen) return consumer.feed(line);
          headerSeen = true;
          return true;
        },
        finish: () => consumer.finish(),
      };
    }
  }
  return new PlainExport(options);
}

/** Collects the signing_key records at the top of an export. */
class Keys {
  readonly fromExport = new KeyRing();
  constructor(private readonly trusted: KeyRing | undefined) {}
  add(rec: Json): void {
    if (typeof rec.x === 'string' && typeof rec.kid === 'string') this.fromExport.add(rec.kid, rec.x);
  }
  get ring(): KeyRing {
    return this.trusted ?? this.fromExport;
  }
  get source(): 'trusted' | 'export' {
    return this.trusted ? 'trusted' : 'export';
  }
}

function asCheckpoint(rec: Json): Checkpoint {
  const { trailmark: _t, ...rest } = rec;
  if (!isCheckpointShaped(rest)) throw new BadLine('a checkpoint record is malformed');
  return rest;
}

function failed(
  base: Omit<OfflineReport, 'ok' | 'failure'>,
  failure: VerifyFailure | undefined,
): OfflineReport {
  return failure ? { ...base, ok: false, failure } : { ...base, ok: true };
}

class CompleteExport implements Consumer {
  private readonly keys: Keys;
  private verifier: ChainVerifier | undefined;
  private start: ChainStart = { seq: 1, prev_hash: GENESIS };
  private end: Json | undefined;
  private newestCheckpoint = 0;
  private malformed: string | undefined;
  /** An event whose seq skipped ahead, held until the next event tells a gap from a swap. */
  private held: ParsedEvent | undefined;

  constructor(
    private readonly org: string,
    private readonly options: OfflineOptions,
  ) {
    this.keys = new Keys(options.trustedKeys);
  }

  /**
   * In a file the only position an event has is its own seq, so an event out of place shows as
   * a seq that skips ahead (a gap, or the first of two swapped events) or falls back (an event
   * inserted before it). Like the online check, which sees the stored position: a skip followed
   * by the missing seq is a reordering, reported where the link breaks; a seq falling back is
   * checked at the position it occupies, where its link breaks; a skip alone is a gap.
   */
  private event(e: ParsedEvent): boolean {
    this.verifier ??= this.make();
    const v = this.verifier;
    const held = this.held;
    if (held) {
      this.held = undefined;
      const swapped = e.seq === v.nextSeq;
      if (!v.push(swapped ? { ...held, seq: v.nextSeq } : held)) return false;
    }
    if (e.seq > v.nextSeq) {
      this.held = e;
      return true;
    }
    return v.push(e.seq < v.nextSeq ? { ...e, seq: v.nextSeq } : e);
  }

  private release(): boolean {
    const held = this.held;
    this.held = undefined;
    if (!held) return true;
    this.verifier ??= this.make();
    return this.verifier.push(held);
  }

  private make(): ChainVerifier {
    const v = new ChainVerifier({
      org: this.org,
      start: this.start,
      keys: this.keys.ring,
      allCheckpoints: true,
    });
    for (const cp of this.options.checkpoints ?? []) {
      if (cp.org !== this.org) continue;
      v.addCheckpoint(cp);
      this.newestCheckpoint = Math.max(this.newestCheckpoint, cp.seq);
    }
    return v;
  }

  feed(line: ExportLine): boolean {
    try {
      return typeof line === 'string' ? this.take(line) : this.takeBytes(line);
    } catch (error) {
      if (!(error instanceof BadLine)) throw error;
      this.malformed = error.message;
      return false;
    }
  }

  /**
   * The common case without decoding: an event line, next in seq order, linked to the previous
   * one, hashing right. Anything else is checked as text, which says what is wrong.
   */
  private takeBytes(line: Buffer): boolean {
    const checked = this.held ? undefined : checkedEventBytes(line);
    if (checked) {
      this.verifier ??= this.make();
      const v = this.verifier;
      if (checked.seq === v.nextSeq && checked.prev_hash === v.tipHash) {
        // Spelled out: spreading `checked` here cost more than hashing the event.
        const { seq, hash, prev_hash } = checked;
        return v.push({ seq, hash, prev_hash, body: null, verified: true });
      }
    }
    return this.take(line.toString('utf8'));
  }

  private take(line: string): boolean {
    if (line === '') return true;
    if (!line.startsWith(RECORD_PREFIX)) return this.event(parseEvent(line));
    const rec = record(line);
    switch (rec.trailmark) {
      case 'signing_key':
        this.keys.add(rec);
        return true;
      case 'anchor':
        if (this.verifier) throw new BadLine('the anchor record comes after events');
        if (!Number.isSafeInteger(rec.seq) || typeof rec.prev_hash !== 'string') {
          throw new BadLine('the anchor record is malformed');
        }
        this.start = { seq: rec.seq as number, prev_hash: rec.prev_hash };
        return true;
      case 'checkpoint': {
        const cp = asCheckpoint(rec);
        this.verifier ??= this.make();
        this.verifier.addCheckpoint(cp);
        this.newestCheckpoint = Math.max(this.newestCheckpoint, cp.seq);
        return true;
      }
      case 'pruned':
        if (!this.release()) return false;
        this.verifier ??= this.make();
        return this.verifier.push({
          seq: rec.seq as number,
          prev_hash: String(rec.prev_hash),
          hash: String(rec.hash),
          body: null,
        });
      case 'end':
        this.end = rec;
        return this.release();
      default:
        return true; // records of later versions that this verifier does not need
    }
  }

  finish(): OfflineReport {
    if (!this.malformed) this.release();
    this.verifier ??= this.make();
    const v = this.verifier;
    const head = this.end?.head as { seq?: unknown; hash?: unknown } | undefined;
    const result = v.finish(
      head && Number.isSafeInteger(head.seq) && typeof head.hash === 'string'
        ? { seq: head.seq as number, hash: head.hash }
        : undefined,
    );
    let failure = result.failure;
    if (!failure && this.malformed)
      failure = { seq: v.nextSeq, reason: 'hash_mismatch', detail: this.malformed };
    if (!failure && !this.end) {
      failure = {
        seq: v.nextSeq,
        reason: 'truncated_after_checkpoint',
        detail: 'the export ends without its end record: it was cut short',
      };
    }
    const { ok: _ok, failure: _f, ...counts } = result;
    const signedThrough = Math.max(this.newestCheckpoint, this.start.seq - 1);
    return failed(
      {
        ...counts,
        mode: 'complete',
        org: this.org,
        unattested: Math.max(0, (result.last_seq ?? 0) - signedThrough),
        keys: this.keys.source,
      },
      failure,
    );
  }
}

/** Keeps the failure with the lowest seq, for consumers that read on after one. */
class LowestFailure {
  failure: VerifyFailure | undefined;
  fail(seq: number, reason: FailureReason, detail: string): void {
    if (!this.failure || seq < this.failure.seq) this.failure = { seq, reason, detail };
  }
}

class FilteredExport implements Consumer {
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
  private sawEnd = false;

  constructor(
    private readonly org: string,
    options: OfflineOptions,
  ) {
    this.keys = new Keys(options.trustedKeys);
    for (const cp of options.checkpoints ?? []) {
      if (cp.org !== org) continue;
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

  private take(line: string): void {
    if (line === '') return;
    if (line.startsWith(RECORD_PREFIX)) {
      const rec = record(line);
      if (rec.trailmark === 'signing_key') this.keys.add(rec);
      else if (rec.trailmark === 'checkpoint') {
        const cp = asCheckpoint(rec);
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
      } else if (rec.trailmark === 'proof') {
        const event = this.pending;
        this.pending = undefined;
        if (!event || rec.seq !== event.seq) throw new BadLine('a proof record does not follow its event');
        this.checkProof(event, rec);
      } else if (rec.trailmark === 'end') this.sawEnd = true;
      return;
    }
    this.settle();
    const event = parseEvent(line);
    this.firstSeq = this.firstSeq === null ? event.seq : Math.min(this.firstSeq, event.seq);
    this.lastSeq = this.lastSeq === null ? event.seq : Math.max(this.lastSeq, event.seq);
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
    let valid = this.signatureValid.get(cp.seq);
    if (valid === undefined) {
      valid = cp.org === this.org && checkpointSignatureValid(cp, this.keys.ring);
      this.signatureValid.set(cp.seq, valid);
    }
    if (!valid) {
      this.failures.fail(cp.seq, 'signature_invalid', 'the checkpoint signature does not verify');
      return;
    }
    const index = event.seq - cp.from_seq;
    const size = cp.seq - cp.from_seq + 1;
    const path = rec.path;
    if (
      rec.leaf_index !== index ||
      rec.tree_size !== size ||
      !Array.isArray(path) ||
      !path.every((p) => typeof p === 'string') ||
      !verifyInclusion(event.hash, index, size, path as string[], cp.tree_root)
    ) {
      this.failures.fail(
        event.seq,
        'checkpoint_mismatch',
        `the event is not at seq ${event.seq} of checkpoint ${cp.seq}`,
      );
      return;
    }
    this.checked += 1;
  }

  finish(): OfflineReport {
    this.settle();
    // An event a known checkpoint covers must come with its proof; only newer ones may lack one.
    let unattested = 0;
    for (const seq of this.unproven) {
      if (seq <= this.newestCheckpoint) {
        this.failures.fail(
          seq,
          'checkpoint_mismatch',
          'no inclusion proof, though a checkpoint covers this seq',
        );
      } else {
        unattested += 1;
        this.checked += 1;
      }
    }
    if (!this.sawEnd && !this.failures.failure) {
      this.failures.fail(
        (this.lastSeq ?? 0) + 1,
        'truncated_after_checkpoint',
        'the export ends without its end record: it was cut short',
      );
    }
    return failed(
      {
        checked: this.checked,
        first_seq: this.firstSeq,
        last_seq: this.lastSeq,
        checkpoints_checked: [...this.signatureValid.values()].filter(Boolean).length,
        pruned: 0,
        mode: 'filtered',
        org: this.org,
        unattested,
        keys: this.keys.source,
      },
      this.failures.failure,
    );
  }
}

/**
 * A plain export: lines in any order. Hashes are checked as lines arrive; the (seq, prev_hash,
 * hash) triples are kept, sorted, and checked as one contiguous chain segment.
 */
class PlainExport implements Consumer {
  private readonly keys: Keys;
  private readonly failures = new LowestFailure();
  private org: string | null = null;
  private readonly links: Array<{ seq: number; prev_hash: string; hash: string }> = [];

  constructor(private readonly options: OfflineOptions) {
    this.keys = new Keys(options.trustedKeys);
  }

  feed(bytesOrText: ExportLine): boolean {
    const line = text(bytesOrText);
    if (line.trim() === '' || line.startsWith(RECORD_PREFIX)) return true;
    try {
      const event = parseEvent(line);
      if (this.org === null) {
        const parsed = JSON.parse(line) as Json;
        this.org = typeof parsed.org === 'string' ? parsed.org : null;
      }
      if (chainHash(event.prev_hash, event.body) !== event.hash) {
        this.failures.fail(event.seq, 'hash_mismatch', 'the event does not hash to its stored hash');
      }
      this.links.push({ seq: event.seq, prev_hash: event.prev_hash, hash: event.hash });
    } catch (error) {
      if (!(error instanceof BadLine)) throw error;
      this.failures.fail(0, 'hash_mismatch', error.message);
      return false;
    }
    return true;
  }

  finish(): OfflineReport {
    const links = this.links.sort((a, b) => a.seq - b.seq);
    const first = links[0];
    const verifier = new ChainVerifier({
      org: this.org ?? '',
      start: first ? { seq: first.seq, prev_hash: first.prev_hash } : { seq: 1, prev_hash: GENESIS },
      keys: this.keys.ring,
      allCheckpoints: false,
    });
    let newestCheckpoint = 0;
    for (const cp of this.options.checkpoints ?? []) {
      if (this.org !== null && cp.org !== this.org) continue;
      verifier.addCheckpoint(cp);
      newestCheckpoint = Math.max(newestCheckpoint, cp.seq);
    }
    for (const link of links) if (!verifier.push({ ...link, body: null, verified: true })) break;
    const result = verifier.finish();
    if (result.failure) this.failures.fail(result.failure.seq, result.failure.reason, result.failure.detail);
    const { ok: _ok, failure: _f, ...counts } = result;
    return failed(
      {
        ...counts,
        mode: 'plain',
        org: this.org,
        unattested: Math.max(0, (result.last_seq ?? 0) - Math.max(newestCheckpoint, (first?.seq ?? 1) - 1)),
        keys: this.keys.source,
      },
      this.failures.failure,
    );
  }
}
