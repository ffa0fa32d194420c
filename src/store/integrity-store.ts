import type { ChainLink, ChainStart, VerifyReport } from '../integrity/chain-verifier.js';
import type { ChainPart } from '../integrity/chain-walk.js';
import type { Checkpoint } from '../integrity/checkpoint.js';
import type { KeyRing } from '../integrity/ed25519-keys.js';

/**
 * What the integrity side (signing keys, checkpoints, verification, retention) stores. Part of
 * AuditStore as `store.integrity`; every backend implements it (sqlite/sqlite-integrity.ts,
 * postgres/pg-integrity.ts) and every org-scoped method filters by the org in SQL.
 */

export interface SigningKeyRecord {
  /** The kid: RFC 7638 thumbprint of the public key. */
  id: string;
  /** base64url raw Ed25519 public key (JWK `x`). */
  public_key: string;
  /** Sealed private key (see integrity/ed25519-keys.ts). */
  private_key: string;
  status: 'active' | 'retired';
  created_at: string;
  retired_at: string | null;
}

export interface StoredVerification extends VerifyReport {
  verified_at: string;
}

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

export interface PurgeBatch {
  /** Events deleted (seqs from_seq..to_seq, all of them). */
  count: number;
  from_seq: number;
  to_seq: number;
  /**
   * How long the deleting transaction held the database, in ms (without waiting for it):
   * what the purge sizes its batches by.
   */
  held_ms: number;
}

export interface PruneBatch {
  /** Request log entries whose content was removed. */
  count: number;
  /** The batch examined seqs up to here; continue after it. */
  through_seq: number;
}

export interface RetentionProgress {
  /** Request log entries up to this seq have been pruned. */
  request_pruned_through: number;
}

export interface IntegrityStore {
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /**
   * Stores a new key. `first`: only when no key is active (two processes starting at once agree
   * on one; false when another won). `rotate`: the active key is retired in the same transaction.
   */
  addSigningKey(key: Omit<SigningKeyRecord, 'retired_at'>, mode: 'first' | 'rotate'): Promise<boolean>;
  /** Replaces how a private key is stored (sealing it once TRAILMARK_SECRET is set). */
  resealSigningKey(id: string, privateKey: string): Promise<void>;

  /**
   * Walks the parts of an org's chain at once, each in a read snapshot of its own (a thread and
   * connection on SQLite, a connection on PostgreSQL), and answers their reports in order
   * (chain-walk.ts). Stores without it are walked in-process, without a snapshot.
   */
  walkChainParts?(org: string, keys: KeyRing, parts: readonly ChainPart[]): Promise<VerifyReport[]>;

  /** Orgs with events after their newest checkpoint. */
  unsignedTails(): Promise<UnsignedTail[]>;
  latestCheckpoint(org: string): Promise<Checkpoint | undefined>;
  /** The checkpoint at seq `seq` or the first after it: the one covering that seq. */
  checkpointCovering(org: string, seq: number): Promise<Checkpoint | undefined>;
  /** Ascending by seq, from `fromSeq` (inclusive). */
  listCheckpoints(org: string, fromSeq: number, limit: number): Promise<Checkpoint[]>;
  /** The newest checkpoint signed before `time` (ISO 8601). */
  checkpointSignedBefore(org: string, time: string): Promise<Checkpoint | undefined>;
  /**
   * Stores consecutive checkpoints of one org in order, in one write. Each must start right
   * after the newest stored one (or at the retained chain's start); the first that does not
   * (another signer got there first) and those after it are not stored. Answers how many were.
   */
  insertCheckpoints(cps: readonly Checkpoint[]): Promise<number>;

  /** Where the retained chain begins: the retention anchor, or seq 1 after the genesis hash. */
  chainStart(org: string): Promise<ChainStart>;
  /**
   * Chain links in seq order, from `fromSeq` through `toSeq`, at most `limit`: events with
   * their canonical text, and request log entries pruned by retention with `body: null`.
   * With `bodies: false`, every link comes without its text (hashes and positions only).
   */
  chainLinks(
    org: string,
    fromSeq: number,
    toSeq: number,
    limit: number,
    options?: { bodies?: boolean },
  ): Promise<ChainLink[]>;
  /** The event hashes of seqs fromSeq..toSeq in order (Merkle leaves), pruned entries included. */
  chainHashes(org: string, fromSeq: number, toSeq: number): Promise<string[]>;
  /** When the event at `seq` was received (ISO 8601), if it is stored. */
  receivedAt(org: string, seq: number): Promise<string | undefined>;

  saveVerification(org: string, verification: StoredVerification): Promise<void>;
  lastVerification(org: string): Promise<StoredVerification | undefined>;

  /**
   * Takes or renews the lease `name` for `holder` until now + ttlMs when it is free, expired or
   * already the holder's: background jobs of several processes on one database run once.
   */
  acquireLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;

  /**
   * Deletes the oldest retained events, at most `max`, none after `throughSeq`, from every
   * index the store keeps, and moves the anchor after them, in one short transaction.
   * `throughSeq` must be a checkpoint's seq or lie inside a checkpointed range.
   */
  purgeEvents(org: string, throughSeq: number, max: number): Promise<PurgeBatch | undefined>;
  /**
   * Removes the content of request log entries with seqs from `fromSeq` through `throughSeq`
   * (at most `max` examined), keeping each one's seq, prev_hash and hash in the chain.
   */
  pruneRequestEntries(org: string, fromSeq: number, throughSeq: number, max: number): Promise<PruneBatch>;
  retentionProgress(org: string): Promise<RetentionProgress>;
}
