/**
 * What the retention purge removes from the database, oldest first and always in short
 * transactions: whole stretches of an org's chain (events and pruned links) up to a signed
 * checkpoint, and the content of request log entries, whose links stay in the chain.
 */

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

export interface RetentionStore {
  /**
   * Deletes the oldest retained events, at most `max`, none after `throughSeq`, from every
   * index the store keeps, and moves the anchor after them, in one short transaction.
   * `throughSeq` must be a checkpoint's seq or lie inside a checkpointed range.
   */
  purge(org: string, throughSeq: number, max: number): Promise<PurgeBatch | undefined>;
  /**
   * Removes the content of request log entries with seqs from `fromSeq` through `throughSeq`
   * (at most `max` examined), keeping each one's seq, prev_hash and hash in the chain.
   */
  pruneRequests(org: string, fromSeq: number, throughSeq: number, max: number): Promise<PruneBatch>;
  progress(org: string): Promise<RetentionProgress>;
}
