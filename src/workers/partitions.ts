import { type JobOptions, PeriodicJob } from './periodic-job.js';

/** Months created ahead of the current one: a job that fails for weeks still leaves room. */
export const MONTHS_AHEAD = 3;

export interface PartitionJobOptions extends JobOptions {
  now: () => Date;
}

/**
 * Creates PostgreSQL's monthly partitions of events ahead of time (SPEC §9), in whichever
 * process holds the lease; on SQLite it has nothing to do. Rows of a month without a partition
 * are not refused: they go to the default partition, which the purge empties row by row.
 */
export class PartitionJob extends PeriodicJob<string[]> {
  private readonly now: () => Date;

  constructor(options: PartitionJobOptions) {
    super('partitions', options);
    this.now = options.now;
  }

  protected run(): Promise<string[]> {
    return this.store.partitions.prepare(this.now(), MONTHS_AHEAD);
  }
}
