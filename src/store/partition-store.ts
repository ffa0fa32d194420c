/**
 * PostgreSQL keeps events in monthly partitions by time of receipt (migration 009_partitions):
 * they are created ahead of time, and the retention purge drops a month whole once every event
 * in it may be purged, instead of deleting it row by row. SQLite has no partitions: there the
 * store creates and drops nothing.
 */

/** What dropping one partition removed from one org's chain. */
export interface PartitionOrgPurge {
  org: string;
  /** Events dropped with the partition, seqs from_seq..to_seq (pruned links excepted). */
  count: number;
  from_seq: number;
  to_seq: number;
}

export type PartitionDrop =
  | { partition: string; dropped: true; orgs: PartitionOrgPurge[] }
  | { partition: string; dropped: false; refused: string };

export interface PartitionStore {
  /** Creates the partitions of `from`'s month (UTC) and of the `ahead` months after it; answers their names. */
  prepare(from: Date, ahead: number): Promise<string[]>;
  /** Partitions whose month ended before `before`, oldest first. */
  ended(before: Date): Promise<string[]>;
  /**
   * Detaches and drops `partition` when every event in it may be purged at `now` (for each of
   * its orgs: not on legal hold, covered by a checkpoint signed before the org's retention
   * cutoff, and nothing older left outside it), moving each org's anchor after its events there
   * in the same transaction; otherwise drops nothing and says why.
   */
  drop(partition: string, now: Date): Promise<PartitionDrop>;
}

/** The store of a backend without partitions. */
export const NO_PARTITIONS: PartitionStore = {
  prepare: async () => [],
  ended: async () => [],
  drop: async (partition) => ({ partition, dropped: false, refused: 'this backend has no partitions' }),
};
