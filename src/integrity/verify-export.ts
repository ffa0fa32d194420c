import { chainHash } from '../domain/chain.js';
import { type ChainStart, ChainVerifier, GENESIS } from './chain-verifier.js';
import type { Checkpoint } from './checkpoint.js';
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
import { checkedEventBytes, RECORD_PREFIX } from './proof-records.js';
import { FilteredExport } from './verify-filtered-export.js';

export type { ExportLine, OfflineOptions, OfflineReport } from './export-lines.js';

/**
 * Offline verification of an export, without a server or a database: the logic behind
 * `trailmark verify`. Three kinds of file are understood:
 *
 * - complete `with_proof=1` exports: the retained chain in seq order with its checkpoints,
 *   checked link by link like the online verification, through the org's latest signed
 *   checkpoint, which the export carries;
 * - filtered `with_proof=1` exports (verify-filtered-export.ts): each event checked on its own,
 *   by its hash and its Merkle inclusion proof in a signed checkpoint;
 * - plain JSONL exports (any order) with `--checkpoints`: hashes checked line by line, then the
 *   events sorted by seq and checked as one contiguous chain segment.
 */

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
      const info: ExportHeaderInfo = {
        org: typeof header.org === 'string' ? header.org : '',
        version: typeof header.version === 'number' ? header.version : 1,
        filters: header.filters ?? null,
      };
      const consumer =
        header.complete === true ? new CompleteExport(info, options) : new FilteredExport(info, options);
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

class CompleteExport implements Consumer {
  private readonly keys: Keys;
  private verifier: ChainVerifier | undefined;
  private start: ChainStart = { seq: 1, prev_hash: GENESIS };
  private end: Json | undefined;
  private newestCheckpoint = 0;
  private malformed: string | undefined;
  /** An event whose seq skipped ahead, held until the next event tells a gap from a swap. */
  private held: ParsedEvent | undefined;
  /** The org's newest signed checkpoint when exported: the chain must reach it. */
  private latest: Checkpoint | undefined;

  constructor(
    private readonly header: ExportHeaderInfo,
    private readonly options: OfflineOptions,
  ) {
    this.keys = new Keys(options.trustedKeys);
  }

  private get org(): string {
    return this.header.org;
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
    if (this.latest) v.addCheckpoint(this.latest);
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
        this.start = asAnchor(rec);
        return true;
      case 'latest_checkpoint': {
        // Before the anchor: held until the walk starts, then walked to like any checkpoint.
        const cp = asCheckpoint(rec);
        this.latest = cp;
        this.verifier?.addCheckpoint(cp);
        this.newestCheckpoint = Math.max(this.newestCheckpoint, cp.seq);
        return true;
      }
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
    const latest = this.latest;
    const reached = Math.max(result.last_seq ?? 0, this.start.seq - 1);
    const notInExport = latest ? Math.max(0, latest.seq - reached) : 0;
    return failed(
      {
        ...counts,
        mode: 'complete',
        org: this.org,
        unattested: Math.max(0, (result.last_seq ?? 0) - signedThrough),
        keys: this.keys.source,
        latest_checkpoint: latest?.seq ?? null,
        not_in_export: notInExport,
        notes: this.notes(notInExport, failure === undefined),
      },
      failure,
    );
  }

  private notes(notInExport: number, ok: boolean): string[] {
    const latest = this.latest;
    const notes: string[] = [];
    if (this.header.version < 2) notes.push(VERSION_1_NOTE);
    else if (!latest) {
      notes.push(
        'no checkpoint was signed when this was exported: the chain is linked, but nothing signed attests it',
      );
    } else if (notInExport > 0) {
      notes.push(
        `the latest signed checkpoint when exported is seq ${latest.seq}, but the export ends at seq ${latest.seq - notInExport}: ${notInExport} events it covers are missing`,
      );
    } else if (ok) {
      notes.push(
        `complete export: every retained event from seq ${this.start.seq} through the latest signed checkpoint (seq ${latest.seq}) is in it, linked and signed`,
      );
    }
    return notes;
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
        latest_checkpoint: null,
        not_in_export: 0,
        notes: [
          'plain export: hashes and links are checked, and signed only as far as the checkpoints given (--checkpoints); it cannot show events missing after its last one',
        ],
      },
      this.failures.failure,
    );
  }
}
