import { setTimeout as sleep } from 'node:timers/promises';
import type { Enricher } from '../domain/prepare-event.js';
import { auditedWithEvents, type Cause } from '../operations/audited.js';
import type { Org } from '../store/store.js';
import { type JobOptions, PeriodicJob } from './periodic-job.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The purge is Trailmark's own doing: its event has the system as actor. */
const SYSTEM: Cause = { principal: null, origin: {} };

export interface RetentionOptions extends JobOptions {
  enricher: Enricher;
  now: () => Date;
  /** Longest a single delete transaction should hold the database, in milliseconds. */
  batchTargetMs?: number;
}

export interface OrgPurge {
  org: string;
  /** Events deleted, oldest first. */
  count: number;
  from_seq: number | null;
  to_seq: number | null;
  /** Request log entries whose content was removed (their links stay). */
  request_entries: number;
  /** Seq of the retention.purged event, when one was recorded. */
  event_seq: number | null;
}

export interface RetentionRun {
  orgs: OrgPurge[];
  /** PostgreSQL partitions dropped whole, every event in them past retention. */
  partitions: string[];
  /** Orgs skipped because of a legal hold. */
  held: string[];
}

function emptyPurge(org: string): OrgPurge {
  return { org, count: 0, from_seq: null, to_seq: null, request_entries: 0, event_seq: null };
}

/**
 * The retention purge (SPEC §3). Per org not on legal hold, events older than `retention_days`
 * are deleted oldest-first by seq, but only through a checkpoint signed before the cutoff: every
 * event up to it was received before it, so every deleted event is expired, and when the purge
 * finishes the first retained event follows a signed checkpoint (the anchor). Request log
 * entries older than `request_retention_days` lose their content and keep their link.
 *
 * Work is cut into short transactions sized to `batchTargetMs`, and the job sleeps as long as
 * each one took before the next, so ingest commits keep getting the database in between.
 */
export class RetentionJob extends PeriodicJob<RetentionRun> {
  private readonly enricher: Enricher;
  private readonly now: () => Date;
  private readonly targetMs: number;
  private batch = 256;

  constructor(options: RetentionOptions) {
    super('retention', options);
    this.enricher = options.enricher;
    this.now = options.now;
    this.targetMs = options.batchTargetMs ?? 5;
  }

  protected async run(): Promise<RetentionRun> {
    const result: RetentionRun = { orgs: [], partitions: [], held: [] };
    const dropped = await this.dropPartitions(result);
    for (const org of await this.store.listOrgs()) {
      if (this.isStopped) break;
      if (org.legal_hold) {
        result.held.push(org.id);
        continue;
      }
      const purge = await this.purgeOrg(org, dropped.get(org.id));
      if (purge) result.orgs.push(purge);
    }
    return result;
  }

  /**
   * Runs `step` in batches sized to the time target; answers false when the lease was lost.
   * A step answers whether more is left and, when it knows, how long it held the database:
   * the time it waited for the database (behind ingest commits) says nothing about the size.
   */
  private async batched(
    step: (max: number) => Promise<{ more: boolean; heldMs?: number }>,
  ): Promise<boolean> {
    let lastRenew = Date.now();
    for (;;) {
      if (this.isStopped) return false;
      const started = performance.now();
      const { more, heldMs } = await step(this.batch);
      const took = heldMs ?? performance.now() - started;
      if (took > this.targetMs * 1.5 && this.batch > 16) this.batch = Math.floor(this.batch / 2);
      else if (took < this.targetMs / 2 && this.batch < 8192) this.batch *= 2;
      if (!more) return true;
      await sleep(Math.max(1, Math.ceil(took)));
      if (Date.now() - lastRenew > this.leaseMs / 3) {
        if (!(await this.renewLease())) return false;
        lastRenew = Date.now();
      }
    }
  }

  /**
   * Whole months first (PostgreSQL): each partition whose month has ended is dropped if every
   * event in it may go, which leaves the row by row purge only the edges (the month the cutoff
   * falls in, and months kept for an org on legal hold or with a longer retention). What each
   * org lost that way, by org.
   */
  private async dropPartitions(result: RetentionRun): Promise<Map<string, OrgPurge>> {
    const byOrg = new Map<string, OrgPurge>();
    for (const partition of await this.store.partitions.ended(this.now())) {
      if (this.isStopped) break;
      const drop = await this.store.partitions.drop(partition, this.now());
      if (!drop.dropped) {
        this.log.debug({ partition, reason: drop.refused }, 'partition kept');
        continue;
      }
      result.partitions.push(partition);
      for (const purge of drop.orgs) {
        const out = byOrg.get(purge.org) ?? emptyPurge(purge.org);
        out.count += purge.count;
        out.from_seq = Math.min(out.from_seq ?? purge.from_seq, purge.from_seq);
        out.to_seq = Math.max(out.to_seq ?? purge.to_seq, purge.to_seq);
        byOrg.set(purge.org, out);
      }
    }
    return byOrg;
  }

  private async purgeOrg(org: Org, dropped: OrgPurge | undefined): Promise<OrgPurge | undefined> {
    const now = this.now().getTime();
    const { checkpoints, retention } = this.store;
    const out = dropped ?? emptyPurge(org.id);

    const cutoff = new Date(now - org.retention_days * DAY_MS).toISOString();
    const boundary = await checkpoints.signedBefore(org.id, cutoff);
    if (boundary) {
      const finished = await this.batched(async (max) => {
        const batch = await retention.purge(org.id, boundary.seq, max);
        if (!batch) return { more: false };
        out.count += batch.count;
        out.from_seq ??= batch.from_seq;
        out.to_seq = batch.to_seq;
        return { more: batch.to_seq < boundary.seq, heldMs: batch.held_ms };
      });
      if (!finished) return this.record(org, out);
    }

    const requestCutoff = new Date(now - org.request_retention_days * DAY_MS).toISOString();
    const requestBoundary = await checkpoints.signedBefore(org.id, requestCutoff);
    if (requestBoundary) {
      const start = await this.store.chain.start(org.id);
      let from = Math.max((await retention.progress(org.id)).request_pruned_through + 1, start.seq);
      await this.batched(async (max) => {
        if (from > requestBoundary.seq) return { more: false };
        const batch = await retention.pruneRequests(org.id, from, requestBoundary.seq, max * 4);
        out.request_entries += batch.count;
        from = batch.through_seq + 1;
        return { more: from <= requestBoundary.seq };
      });
    }
    return this.record(org, out);
  }

  /** Records retention.purged in the org's own chain when anything was removed. */
  private async record(org: Org, out: OrgPurge): Promise<OrgPurge | undefined> {
    if (out.count === 0 && out.request_entries === 0) return undefined;
    const start = await this.store.chain.start(org.id);
    const parts: string[] = [];
    if (out.count) parts.push(`${out.count} events (seq ${out.from_seq}..${out.to_seq})`);
    if (out.request_entries) parts.push(`the content of ${out.request_entries} request log entries`);
    const deps = { store: this.store, enricher: this.enricher, now: this.now };
    const { events } = await auditedWithEvents(deps, SYSTEM, async (_tx, record) => {
      record(org.id, 'retention.purged', {
        resource: { type: 'organization', id: org.id, name: org.name },
        description: `Retention removed ${parts.join(' and ')}`,
        metadata: {
          count: out.count,
          from_seq: out.from_seq,
          to_seq: out.to_seq,
          anchor: { seq: start.seq, prev_hash: start.prev_hash },
          request_entries_pruned: out.request_entries,
          retention_days: org.retention_days,
          request_retention_days: org.request_retention_days,
        },
      });
    });
    out.event_seq = events[0]?.seq ?? null;
    return out;
  }
}
