import type { Checkpoint } from '../integrity/checkpoint.js';

/**
 * Signed checkpoints: each covers one range of an org's chain (`from_seq`..`seq`), starting right
 * after the one before it. Stored once, never changed or deleted (the database refuses both).
 */

/** An org whose chain has events no checkpoint covers yet. */
export interface UnsignedTail {
  org: string;
  head_seq: number;
  head_hash: string;
  /** Seq of the org's newest checkpoint, or the seq before its retained chain when it has none. */
  signed_seq: number;
  /** Hash at `signed_seq` (the genesis hash for a new org). */
  signed_hash: string;
}

export interface CheckpointStore {
  /** Orgs with events after their newest checkpoint. */
  unsignedTails(): Promise<UnsignedTail[]>;
  latest(org: string): Promise<Checkpoint | undefined>;
  /** The checkpoint at seq `seq` or the first after it: the one covering that seq. */
  covering(org: string, seq: number): Promise<Checkpoint | undefined>;
  /** Ascending by seq, from `fromSeq` (inclusive). */
  list(org: string, fromSeq: number, limit: number): Promise<Checkpoint[]>;
  /** The newest checkpoint signed before `time` (ISO 8601). */
  signedBefore(org: string, time: string): Promise<Checkpoint | undefined>;
  /**
   * Stores consecutive checkpoints of one org in order, in one write. Each must start right
   * after the newest stored one (or at the retained chain's start); the first that does not
   * (another signer got there first) and those after it are not stored. Answers how many were.
   */
  insert(cps: readonly Checkpoint[]): Promise<number>;
}
