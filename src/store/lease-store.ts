/**
 * Named, expiring leases: work that several processes sharing one database could each do, but
 * that must run in one at a time (a background job, one consumer of an org's log), is done by
 * whoever holds its lease. A holder renews its lease well within the TTL while it works; when it
 * stops renewing (it stopped or died), the lease expires and another process may take it.
 *
 * A lease is a name (e.g. `checkpointer`, or one per org and consumer) and a holder (a string
 * unique to each process and piece of work). Times are the caller's clock in ms, so that every
 * process and test decides expiry by the clock it is given.
 */
export interface LeaseStore {
  /**
   * Takes the lease `name` for `holder` until `nowMs + ttlMs` when it is free, expired or
   * already the holder's (a renewal). False: another holder's lease still runs.
   */
  acquire(name: string, holder: string, ttlMs: number, nowMs: number): Promise<boolean>;
  /** Gives the lease up, if `holder` has it, so another may take it at once. */
  release(name: string, holder: string): Promise<void>;
}
