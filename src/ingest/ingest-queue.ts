import { AppError } from '../domain/errors.js';
import type { PendingEvent } from '../domain/event.js';
import type { AppendBatch, AppendedEvent, AppendOutcome, AuditStore } from '../store/store.js';

export interface IngestQueueOptions {
  /** Events waiting at most; past it, ingest answers 503 with Retry-After. */
  maxQueuedEvents: number;
  /** Events in one transaction at most. */
  maxCommitEvents: number;
  /** Told each request's stored events once they are committed, in commit order. */
  onCommitted?: (org: string, events: AppendedEvent[]) => void;
}

/** What the queue reports as it works; the server passes Prometheus metrics (metrics.ts). */
export interface IngestMetrics {
  /** A request refused before it was queued. */
  rejected(reason: 'shutting_down' | 'queue_full'): void;
  /** Events waiting now. */
  queueDepth(events: number): void;
  /** A group of requests was handed to the store; the function returned is called once it settles. */
  commitStarted(): () => void;
  /** A group of this many events committed. */
  committed(events: number): void;
  /** Events stored by one request (duplicates of stored client ids are not counted). */
  stored(events: number): void;
}

interface Waiting {
  batch: AppendBatch;
  resolve: (events: AppendedEvent[]) => void;
  reject: (error: unknown) => void;
}

/**
 * A request of at least this many events goes to a store that queues appends on its own, as
 * soon as it is submitted; smaller ones go together, a turn of the event loop's worth at a time.
 */
const HAND_OVER_AT = 20;

/**
 * Group commit. A store that queues appends (SQLite's writer thread) gets requests as they come
 * and joins everything that queued behind a running commit into its next transaction. A batch
 * request is handed over on its own, at once: held until the turn's other requests were parsed,
 * a turn's batches outlived V8's young generation, and copying and promoting them cost more
 * main-thread time than all other garbage (8 µs per event against 2.4). Small requests hold
 * little and go together, a turn's worth per message, which costs the writer less per event
 * than a message each. Otherwise (PostgreSQL) requests parsed in the same turn go to the store
 * together, and those that arrive while a commit runs wait here for the next one, which takes
 * all of them (up to a size cap). Either way one transaction and one fsync serve every request
 * that arrived meanwhile, so an idle server commits at once and a busy one amortises the disk
 * flush. Every caller is answered only after the transaction holding its events has committed.
 */
export class IngestQueue {
  private waiting: Waiting[] = [];
  private queuedEvents = 0;
  private running: Promise<void> | undefined;
  /** Commits handed to a store that queues appends and not settled yet. */
  private readonly committing = new Set<Promise<void>>();
  private accepting = true;

  constructor(
    private readonly store: AuditStore,
    private readonly metrics: IngestMetrics,
    private readonly options: IngestQueueOptions = { maxQueuedEvents: 100_000, maxCommitEvents: 10_000 },
  ) {}

  get depth(): number {
    return this.queuedEvents;
  }

  submit(org: string, events: PendingEvent[]): Promise<AppendedEvent[]> {
    if (!this.accepting) {
      this.metrics.rejected('shutting_down');
      return Promise.reject(new AppError('unavailable', 'the server is shutting down', { retryAfter: 5 }));
    }
    if (this.queuedEvents + events.length > this.options.maxQueuedEvents) {
      this.metrics.rejected('queue_full');
      return Promise.reject(
        new AppError('unavailable', 'ingest queue is full; retry shortly', { retryAfter: 1 }),
      );
    }
    return new Promise((resolve, reject) => {
      this.queuedEvents += events.length;
      this.metrics.queueDepth(this.queuedEvents);
      if (this.store.queuesAppends && events.length >= HAND_OVER_AT) {
        this.track(this.commit([{ batch: { org, events }, resolve, reject }]));
        return;
      }
      this.waiting.push({ batch: { org, events }, resolve, reject });
      if (!this.running) this.running = this.run();
    });
  }

  /** Stops accepting and resolves once every accepted event is committed. */
  async drain(): Promise<void> {
    this.accepting = false;
    while (this.running || this.committing.size > 0) {
      await this.running;
      await Promise.all(this.committing);
    }
  }

  private async run(): Promise<void> {
    // Let requests parsed in the same turn of the event loop join the first commit.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0) {
      const commit = this.commit(this.take());
      if (this.store.queuesAppends) this.track(commit);
      else await commit;
    }
    this.running = undefined;
  }

  private track(commit: Promise<void>): void {
    this.committing.add(commit);
    void commit.then(() => this.committing.delete(commit));
  }

  private take(): Waiting[] {
    let events = 0;
    let count = 0;
    for (const item of this.waiting) {
      if (count > 0 && events + item.batch.events.length > this.options.maxCommitEvents) break;
      events += item.batch.events.length;
      count += 1;
    }
    const taken = this.waiting.slice(0, count);
    this.waiting = this.waiting.slice(count);
    return taken;
  }

  /**
   * Never rejects: each caller's promise carries the outcome. Not async, and no callback here
   * refers to `taken`: the events, most of a request's memory, are not held while the commit
   * runs, so they die young instead of being copied and promoted by the garbage collector.
   */
  private commit(taken: Waiting[]): Promise<void> {
    const events = taken.reduce((n, item) => n + item.batch.events.length, 0);
    const waiters = taken.map(({ batch, resolve, reject }) => ({ org: batch.org, resolve, reject }));
    const stop = this.metrics.commitStarted();
    let appended: Promise<AppendOutcome[]>;
    try {
      appended = this.store.appendBatches(taken.map((item) => item.batch));
    } catch (error) {
      appended = Promise.reject(error);
    }
    return appended
      .then(
        (outcomes) => {
          stop();
          this.metrics.committed(events);
          outcomes.forEach((outcome, i) => {
            const waiter = waiters[i]!;
            if (outcome.ok) {
              this.metrics.stored(outcome.events.filter((e) => !e.duplicate).length);
              waiter.resolve(outcome.events);
              this.options.onCommitted?.(waiter.org, outcome.events);
            } else waiter.reject(outcome.error);
          });
        },
        (error: unknown) => {
          stop();
          for (const waiter of waiters) waiter.reject(error);
        },
      )
      .finally(() => {
        this.queuedEvents -= events;
        this.metrics.queueDepth(this.queuedEvents);
      });
  }
}
