import { sha256HexOf } from '../domain/sha256.js';
import type { Checkpoint } from './checkpoint.js';
import type { PublicJwk } from './ed25519-keys.js';

/**
 * The records of a `with_proof=1` JSONL export (docs/integrity.md). Every line is one JSON
 * object. Events are written as they are hashed; every other record has a top-level
 * `"trailmark"` member naming its kind, which no event has.
 */

/**
 * 2: exports carry the org's latest signed checkpoint (`latest_checkpoint`); filtered exports
 * also their retained chain's start (`anchor`) and the proof that the store held the whole range
 * of that checkpoint (`stored_through`).
 */
export const EXPORT_FORMAT_VERSION = 2;

export interface ExportHeader {
  trailmark: 'export';
  version: number;
  org: string;
  /** True: every retained event, in seq order, verifiable as a chain. False: a filtered subset. */
  complete: boolean;
  filters: Record<string, unknown> | null;
  exported_at: string;
}

export type KeyRecord = { trailmark: 'signing_key' } & PublicJwk;

export interface AnchorRecord {
  trailmark: 'anchor';
  /** First retained seq, and the hash before it (64 zeros when nothing was purged). */
  seq: number;
  prev_hash: string;
}

export type CheckpointRecord = { trailmark: 'checkpoint' } & Checkpoint;

/**
 * The org's newest signed checkpoint when the export began, before any event: the verifier
 * holds the export to every seq it covers (a complete export must contain them all; a filtered
 * one must show that the store still held them, and says how many it leaves out).
 */
export type LatestCheckpointRecord = { trailmark: 'latest_checkpoint' } & Checkpoint;

/**
 * Filtered exports, at the end: the inclusion proof of the latest checkpoint's last leaf (its
 * own hash) in its tree, built from the leaf hashes the store held for the checkpoint's whole
 * range when exported. A store missing any event of that range (a deleted tail) cannot build it.
 */
export interface StoredThroughRecord {
  trailmark: 'stored_through';
  checkpoint_seq: number;
  leaf_index: number;
  tree_size: number;
  path: string[];
}

/** RFC 6962 inclusion proof of one event in the tree of the checkpoint at `checkpoint_seq`. */
export interface ProofRecord {
  trailmark: 'proof';
  seq: number;
  checkpoint_seq: number;
  leaf_index: number;
  tree_size: number;
  path: string[];
}

/** A request log entry whose content retention removed: its place in the chain, without content. */
export interface PrunedRecord {
  trailmark: 'pruned';
  seq: number;
  prev_hash: string;
  hash: string;
}

export interface EndRecord {
  trailmark: 'end';
  events: number;
  /** The chain's head when the export began (complete exports end there). */
  head: { seq: number; hash: string };
}

export type ExportRecord =
  | ExportHeader
  | KeyRecord
  | AnchorRecord
  | CheckpointRecord
  | LatestCheckpointRecord
  | StoredThroughRecord
  | ProofRecord
  | PrunedRecord
  | EndRecord;

export const RECORD_PREFIX = '{"trailmark":"';

export function recordLine(record: ExportRecord): string {
  const { trailmark, ...rest } = record;
  return `${JSON.stringify({ trailmark, ...rest })}\n`;
}

/**
 * An event line: `{"hash":"<64 hex>","prev_hash":"<64 hex>",` followed by the canonical body
 * without its opening brace. It is the whole stored event as JSON, and the bytes after the two
 * hash members are exactly the bytes that were hashed, so a verifier needs no canonicalisation.
 */
export function eventLine(hash: string, prevHash: string, canonicalBody: string): string {
  return `{"hash":"${hash}","prev_hash":"${prevHash}",${canonicalBody.slice(1)}\n`;
}

/** Length of `{"hash":"<64>","prev_hash":"<64>",`: where the body's members begin. */
export const EVENT_PREFIX_LENGTH = 9 + 64 + 15 + 64 + 2;

/**
 * Splits an event line written by eventLine() into its parts without parsing it; undefined when
 * the line has another layout (then parse it and canonicalise).
 */
export function splitEventLine(line: string): { hash: string; prev_hash: string; body: string } | undefined {
  if (
    !line.startsWith('{"hash":"') ||
    line.charCodeAt(73) !== 34 ||
    !line.startsWith('","prev_hash":"', 73) ||
    !line.startsWith('",', 152)
  ) {
    return undefined;
  }
  return {
    hash: line.slice(9, 73),
    prev_hash: line.slice(88, 152),
    body: `{${line.slice(EVENT_PREFIX_LENGTH)}`,
  };
}

const HASH_MEMBER = Buffer.from('{"hash":"');
const PREV_HASH_MEMBER = Buffer.from('","prev_hash":"');
const BODY_START = Buffer.from('",');
const SEQ_MEMBER = Buffer.from('"seq":');

function bytesAt(line: Buffer, at: number, expected: Buffer): boolean {
  for (let i = 0; i < expected.length; i++) if (line[at + i] !== expected[i]) return false;
  return true;
}

/**
 * An event line written by eventLine(), checked as bytes without decoding it: its seq, hash and
 * prev_hash when it hashes to its hash and the last `"seq":` inside it gives its seq (as
 * bodySeq reads it); undefined otherwise, and the caller checks the line as text, which names
 * what is wrong. Verifying a large export spends most of its time here, so nothing is decoded
 * or copied but the two hashes.
 */
export function checkedEventBytes(
  line: Buffer,
): { seq: number; hash: string; prev_hash: string } | undefined {
  if (
    line.length <= EVENT_PREFIX_LENGTH ||
    !bytesAt(line, 0, HASH_MEMBER) ||
    !bytesAt(line, 73, PREV_HASH_MEMBER) ||
    !bytesAt(line, 152, BODY_START)
  ) {
    return undefined;
  }
  const seqAt = line.lastIndexOf(SEQ_MEMBER);
  if (seqAt < EVENT_PREFIX_LENGTH) return undefined;
  let seq = 0;
  let i = seqAt + SEQ_MEMBER.length;
  for (let c = line[i]!; i < line.length && c >= 48 && c <= 57; c = line[++i]!) seq = seq * 10 + (c - 48);
  if (i === seqAt + SEQ_MEMBER.length || !Number.isSafeInteger(seq)) return undefined;
  // The hashed text is prev_hash, a line break, then the body with its opening brace back: the
  // line holds it from prev_hash on once the two bytes between (`",`) read `\n{`. They are
  // put back after hashing, so the line is left as it was given.
  line[152] = 10;
  line[153] = 123;
  const computed = sha256HexOf(line.subarray(88));
  line[152] = 34;
  line[153] = 44;
  const hash = line.toString('latin1', 9, 73);
  if (computed !== hash) return undefined;
  return { seq, hash, prev_hash: line.toString('latin1', 88, 152) };
}
