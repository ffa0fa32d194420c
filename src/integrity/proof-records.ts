import type { Checkpoint } from './checkpoint.js';
import type { PublicJwk } from './signing-keys.js';

/**
 * The records of a `with_proof=1` JSONL export (docs/integrity.md). Every line is one JSON
 * object. Events are written as they are hashed; every other record has a top-level
 * `"trailmark"` member naming its kind, which no event has.
 */

export const EXPORT_FORMAT_VERSION = 1;

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
