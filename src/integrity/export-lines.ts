import { canonicalJson } from '../domain/jcs.js';
import { bodySeq, type FailureReason, type VerifyFailure, type VerifyReport } from './chain-verifier.js';
import { type Checkpoint, isCheckpointShaped } from './checkpoint.js';
import { KeyRing } from './ed25519-keys.js';
import { splitEventLine } from './proof-records.js';

/**
 * What the offline verifiers of each kind of export (verify-export.ts, verify-filtered-export.ts)
 * share: the options, the report, and reading lines, records and keys.
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
  /** The seq of the org's newest signed checkpoint when the export began; null if it does not say. */
  latest_checkpoint: number | null;
  /**
   * Retained seqs up to the latest checkpoint that the export does not hold: in a complete
   * export, missing events; in a filtered one, filtered out or missing (it cannot tell which).
   */
  not_in_export: number;
  /** What this export proves and what it cannot, in plain sentences. */
  notes: string[];
}

/** What the first line of a with_proof=1 export says about it. */
export interface ExportHeaderInfo {
  org: string;
  version: number;
  filters: unknown;
}

export type Json = Record<string, unknown>;

export interface ParsedEvent {
  seq: number;
  hash: string;
  prev_hash: string;
  /** The canonical text of the event without its hash fields. */
  body: string;
}

export class BadLine extends Error {}

/** An event line in any layout: the fast path for lines written by the exporter, else JSON. */
export function parseEvent(line: string): ParsedEvent {
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

export function record(line: string): Json {
  try {
    return JSON.parse(line) as Json;
  } catch {
    throw new BadLine('a Trailmark record is not JSON');
  }
}

/** A line of the file without its newline: text, or its UTF-8 bytes as read. */
export type ExportLine = string | Buffer;

export function text(line: ExportLine): string {
  return typeof line === 'string' ? line : line.toString('utf8');
}

/** Consumes one export line by line; `feed` answers false once nothing more needs reading. */
export interface Consumer {
  feed(line: ExportLine): boolean;
  finish(): OfflineReport;
}

/** Collects the signing_key records at the top of an export. */
export class Keys {
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

export function asCheckpoint(rec: Json): Checkpoint {
  const { trailmark: _t, ...rest } = rec;
  if (!isCheckpointShaped(rest)) throw new BadLine('a checkpoint record is malformed');
  return rest;
}

/** An anchor record's start of the retained chain. */
export function asAnchor(rec: Json): { seq: number; prev_hash: string } {
  if (!Number.isSafeInteger(rec.seq) || typeof rec.prev_hash !== 'string') {
    throw new BadLine('the anchor record is malformed');
  }
  return { seq: rec.seq as number, prev_hash: rec.prev_hash };
}

export function failed(
  base: Omit<OfflineReport, 'ok' | 'failure'>,
  failure: VerifyFailure | undefined,
): OfflineReport {
  return failure ? { ...base, ok: false, failure } : { ...base, ok: true };
}

/** Keeps the failure with the lowest seq, for consumers that read on after one. */
export class LowestFailure {
  failure: VerifyFailure | undefined;
  fail(seq: number, reason: FailureReason, detail: string): void {
    if (!this.failure || seq < this.failure.seq) this.failure = { seq, reason, detail };
  }
}

/** The note of an export written before exports carried the org's latest checkpoint. */
export const VERSION_1_NOTE =
  'format version 1: the export does not carry the organization’s latest signed checkpoint, so events deleted after the newest checkpoint it holds would not show; export again for a file that does';
