import type { Logger } from 'pino';
import type { StoredEvent } from '../../domain/event.js';
import type { AuditStore } from '../../store/store.js';
import type { AnyLogConsumer, ConsumerLag, ConsumerMetrics } from './log-consumer.js';

export interface LogConsumersOptions {
  store: AuditStore;
  log: Logger;
  /** Identifies this process in leases. */
  holder: string;
  /** How often idle consumers compare chain heads with their cursors. */
  pollMs?: number;
  /** Most events handed to one `consume` call. */
  batchEvents?: number;
  /** How long an owner's lease on a (consumer, org) lasts without renewal (PostgreSQL). */
  leaseMs?: number;
  /** First retry delay after a failure, doubled each time up to `retryMaxMs`, jittered. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Most (consumer, org) pairs worked on at once. */
  concurrency?: number;
  /**
   * After a commit wakes the runner, how long it waits for more before reading (default 100 ms).
   * Each read ends in a cursor commit: under a stream of small ingest commits, reading after
   * every one would add a write (and on SQLite an fsync) per ingest commit.
   */
  settleMs?: number;
  /**
   * While a consumer works through full batches, how often its cursor is written (default
   * 1000 ms); it is always written when the consumer catches up or stops. A cursor write is a
   * write transaction beside ingest's; a process that dies between two resends at most this
   * long's events, with their ids, as at-least-once delivery allows.
   */
  cursorEveryMs?: number;
  metrics?: ConsumerMetrics;
}

/** The runner's memory of one (consumer, org): whether it runs, its failures, its lag. */
interface Pair {
  running: boolean;
  failures: number;
  /** ms: not before this (a retry's backoff, or a consumer that committed only a prefix). */
  notBefore: number;
  /** ms: a consumer with `restMs` that caught up is not woken by commits before this. */
  restUntil: number;
  /** received_at (ms) of the oldest event not yet committed, when known. */
  oldestPendingMs: number | undefined;
  /** The last seq the consumer took in this process, which the stored cursor may not yet say. */
  taken: number;
  /** The stored cursor as this process last read or wrote it. */
  written: number;
  /** ms: when the cursor was last written. */
  writtenAt: number;
  /** A cursor write under way, which the work goes on beside. */
  writing: Promise<void> | undefined;
  /** Taken on after that write started: write again when it ends. */
  writeAgain: boolean;
}

/**
 * Runs the log consumers: each reads each of its orgs' events in seq order from a durable
 * cursor (store.consumers), at least once. Idle polling reads one row per org and consumer (the
 * chain head beside the cursor) and no events; `notify()` (ingest commits) wakes it at once.
 *
 * Several processes on one PostgreSQL share the work through leases, one per consumer and org:
 * whoever holds it works on that pair, renewing it every batch; a dead owner's lease expires.
 * Each process takes at most one new lease per poll, so processes starting together split the
 * pairs between them instead of the first taking all. On SQLite one process owns everything.
 */
export class LogConsumers {
  private readonly consumers = new Map<string, AnyLogConsumer>();
  private readonly pairs = new Map<string, Pair>();
  /** Lease names this process holds. */
  private readonly held = new Set<string>();
  private readonly tasks = new Set<Promise<void>>();
  /** Cursor writes under way (writeCursorSoon). */
  private readonly writes = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private started = false;
  private stopped = false;
  private readonly pollMs: number;
  private readonly batchEvents: number;
  private readonly leaseMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly concurrency: number;
  private readonly settleMs: number;
  private readonly cursorEveryMs: number;
  /** When the pending timer fires (ms), if one is pending. */
  private timerDueAt: number | undefined;

  constructor(private readonly options: LogConsumersOptions) {
    this.pollMs = options.pollMs ?? 1000;
    this.batchEvents = options.batchEvents ?? 2000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.retryMaxMs = options.retryMaxMs ?? 60_000;
    this.concurrency = options.concurrency ?? 8;
    this.settleMs = options.settleMs ?? 100;
    this.cursorEveryMs = options.cursorEveryMs ?? 1000;
  }

  /** Adds a consumer, or replaces the one of the same name (its cursor is kept). */
  register(consumer: AnyLogConsumer): void {
    this.consumers.set(consumer.name, consumer);
    this.notify();
  }

  /** Stops running the consumer; a batch under way finishes. Its cursor stays (store.consumers.forget drops it). */
  unregister(name: string): void {
    this.consumers.delete(name);
    for (const key of [...this.pairs.keys()]) if (key.startsWith(pairKey(name, ''))) this.pairs.delete(key);
    this.options.metrics?.remove(name);
  }

  registered(name: string): boolean {
    return this.consumers.has(name);
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0);
  }

  /** Something was appended: look soon (after `settleMs`) rather than at the next poll. */
  notify(): void {
    if (!this.started || this.stopped) return;
    if (this.ticking) this.again = true;
    else if (this.timerDueAt === undefined || this.timerDueAt > Date.now() + this.settleMs) {
      this.schedule(this.settleMs);
    }
  }

  /** Runs one poll now and waits for the work it started (tests drive the runner with it). */
  async runOnce(): Promise<void> {
    await this.tick(false);
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    await this.cursorsWritten();
  }

  /** Stops polling, waits for batches under way and gives up this process's leases. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    await Promise.allSettled([...this.tasks]);
    await this.cursorsWritten();
    await Promise.allSettled(
      [...this.held].map((name) => this.options.store.leases.release(name, this.options.holder)),
    );
    this.held.clear();
  }

  /**
   * How far `consumer` is behind in `org`: from the stored cursor (true in any process), or from
   * what the consumer has taken here when that is further, as the stored cursor is written only
   * about once a second while a consumer works through a backlog.
   */
  async lag(consumer: string, org: string): Promise<ConsumerLag> {
    const store = this.options.store;
    const [progress] = await store.consumers.progress(consumer, org);
    const taken = this.pairs.get(pairKey(consumer, org))?.taken ?? 0;
    const cursor = Math.max(progress?.seq ?? 0, taken);
    const head = progress?.head ?? 0;
    if (cursor >= head) return { events: 0, seconds: 0, cursor, head };
    const [oldest] = await store.consumers.read(org, cursor + 1, 1);
    const seconds = oldest ? Math.max(0, (Date.now() - Date.parse(oldest.received_at)) / 1000) : 0;
    return { events: head - cursor, seconds, cursor, head };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDueAt = undefined;
      this.ticking = this.tick()
        .catch((error: unknown) => this.options.log.warn({ err: error }, 'log consumers: poll failed'))
        .finally(() => {
          this.ticking = undefined;
          const soon = this.again;
          this.again = false;
          this.schedule(soon ? this.settleMs : this.pollMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One poll: each consumer's progress in its orgs, and a task for each pair behind. */
  private async tick(honourRest = true): Promise<void> {
    let newLeases = 0;
    for (const consumer of [...this.consumers.values()]) {
      if (this.stopped) return;
      const scope = consumer.orgs === 'all' ? undefined : consumer.orgs.orgId;
      const rows = await this.options.store.consumers.progress(consumer.name, scope);
      this.reportLag(consumer.name, rows);
      const now = Date.now();
      for (const row of shuffled(rows)) {
        if (Math.max(row.seq, this.pairs.get(pairKey(consumer.name, row.org))?.taken ?? 0) >= row.head)
          continue;
        const pair = this.pair(consumer.name, row.org);
        if (pair.running || pair.notBefore > now || this.tasks.size >= this.concurrency) continue;
        if (honourRest && pair.restUntil > now) continue;
        const lease = leaseName(consumer.name, row.org);
        if (!this.options.store.servedByOneProcess && !this.held.has(lease)) {
          if (newLeases >= 1) continue;
          newLeases++;
        }
        pair.running = true;
        const task = this.work(consumer, row.org, pair).finally(() => {
          pair.running = false;
          this.tasks.delete(task);
        });
        this.tasks.add(task);
      }
    }
  }

  /** Works on one (consumer, org) until it has caught up, fails, or loses its lease. */
  private async work(consumer: AnyLogConsumer, org: string, pair: Pair): Promise<void> {
    const { store, log } = this.options;
    const lease = leaseName(consumer.name, org);
    const limit = consumer.batchEvents ?? this.batchEvents;
    /** The read of the events after the last ones given, started while they were consumed. */
    let ahead: { from: number; read: Promise<ConsumerRead> } | undefined;
    try {
      for (;;) {
        if (this.stopped || this.consumers.get(consumer.name) !== consumer) return;
        if (!(await this.ownLease(lease))) return;
        // Read after taking the lease: the previous owner's last commit is visible.
        pair.written = Math.max(pair.written, (await store.consumers.cursor(consumer.name, org)).seq);
        const from = Math.max(pair.written, pair.taken);
        const batch =
          ahead?.from === from + 1 ? await ahead.read : await readFor(store, consumer, org, from + 1, limit);
        ahead = undefined;
        if (batch.count === 0) {
          caughtUp(pair, consumer);
          return;
        }
        pair.oldestPendingMs = batch.firstReceivedMs;
        const last = batch.lastSeq;
        let committed: number;
        try {
          const consuming = batch.consume();
          if (consumer.readAhead && batch.count === limit) {
            const read = readFor(store, consumer, org, last + 1, limit);
            // Used only when everything given is taken; a failed read is read again then.
            read.catch(() => undefined);
            ahead = { from: last + 1, read };
          }
          const answered = await consuming;
          committed = answered === undefined ? last : Math.min(answered, last);
        } catch (error) {
          pair.failures++;
          const delay = backoff(this.retryBaseMs, this.retryMaxMs, pair.failures);
          pair.notBefore = Date.now() + delay;
          log.warn(
            { err: error, consumer: consumer.name, org, seq: from + 1, retryInMs: Math.round(delay) },
            'log consumer failed; retrying from its cursor',
          );
          return;
        }
        pair.failures = 0;
        pair.taken = Math.max(pair.taken, committed);
        if (committed < last) {
          // The consumer keeps the rest for later (a batch not yet full, a backoff): not before
          // it asks, and never sooner than a settle; by default, the next poll.
          const now = Date.now();
          pair.notBefore = Math.max(now + this.settleMs, consumer.resumeAt?.() ?? now + this.pollMs);
          return;
        }
        // Caught up with the head as it was read: the next commit's notify() brings us back.
        if (batch.count < limit) {
          caughtUp(pair, consumer);
          return;
        }
        if (!pair.writing && Date.now() - pair.writtenAt >= this.cursorEveryMs) {
          this.writeCursorSoon(consumer, org, pair);
        }
      }
    } catch (error) {
      // The store failed (an outage): try again at the next poll.
      pair.notBefore = Date.now() + this.pollMs;
      log.warn({ err: error, consumer: consumer.name, org }, 'log consumer could not read or commit');
    } finally {
      // Whichever way the run ends, what the consumer took is written down; the pair's next run
      // need not wait for it, as it starts from what was taken.
      this.writeCursorSoon(consumer, org, pair);
    }
  }

  /**
   * Writes the cursor in the background, one write at a time per pair (a write asked for while
   * one is under way follows it). Not awaited by the work: on SQLite a write waits for the ingest
   * writer, 100 ms to seconds under full-rate ingest, and delivery would stop meanwhile.
   */
  private writeCursorSoon(consumer: AnyLogConsumer, org: string, pair: Pair): void {
    if (pair.writing) {
      pair.writeAgain = true;
      return;
    }
    const write = (async () => {
      do {
        pair.writeAgain = false;
        await this.writeCursor(consumer, org, pair);
      } while (pair.writeAgain);
    })();
    pair.writing = write;
    this.writes.add(write);
    void write.finally(() => {
      pair.writing = undefined;
      this.writes.delete(write);
    });
  }

  /** Waits for the cursor writes under way. */
  private async cursorsWritten(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  /**
   * Writes the cursor up to what the consumer took, when the stored one is behind; a failure is
   * logged and the next write tries again.
   */
  private async writeCursor(consumer: AnyLogConsumer, org: string, pair: Pair): Promise<void> {
    const seq = pair.taken;
    if (seq <= pair.written) return;
    try {
      await this.options.store.consumers.advance(consumer.name, org, seq);
      pair.written = Math.max(pair.written, seq);
      pair.writtenAt = Date.now();
    } catch (error) {
      this.options.log.warn(
        { err: error, consumer: consumer.name, org },
        'log consumer could not commit its cursor',
      );
    }
  }

  /** Takes or renews the pair's lease (PostgreSQL); SQLite's one process needs none. */
  private async ownLease(lease: string): Promise<boolean> {
    const { store, holder } = this.options;
    if (store.servedByOneProcess) return true;
    const ok = await store.leases.acquire(lease, holder, this.leaseMs, Date.now());
    if (ok) this.held.add(lease);
    else this.held.delete(lease);
    return ok;
  }

  private pair(consumer: string, org: string): Pair {
    const key = pairKey(consumer, org);
    let pair = this.pairs.get(key);
    if (!pair) {
      pair = {
        running: false,
        failures: 0,
        notBefore: 0,
        restUntil: 0,
        oldestPendingMs: undefined,
        taken: 0,
        written: 0,
        writtenAt: 0,
        writing: undefined,
        writeAgain: false,
      };
      this.pairs.set(key, pair);
    }
    return pair;
  }

  private reportLag(consumer: string, rows: readonly { org: string; head: number; seq: number }[]): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    let events = 0;
    let seconds = 0;
    const now = Date.now();
    for (const row of rows) {
      const pair = this.pairs.get(pairKey(consumer, row.org));
      const behind = Math.max(0, row.head - Math.max(row.seq, pair?.taken ?? 0));
      events += behind;
      if (behind > 0 && pair?.oldestPendingMs !== undefined) {
        seconds = Math.max(seconds, (now - pair.oldestPendingMs) / 1000);
      }
    }
    metrics.lag(consumer, events, seconds);
  }
}

/** A consumer's next events, read in the form it takes them, and what the runner needs of them. */
interface ConsumerRead {
  count: number;
  /** received_at of the first, in ms (0 when none). */
  firstReceivedMs: number;
  lastSeq: number;
  /** Hands them to the consumer. */
  consume(): Promise<number | undefined>;
}

async function readFor(
  store: AuditStore,
  consumer: AnyLogConsumer,
  org: string,
  from: number,
  limit: number,
): Promise<ConsumerRead> {
  if (consumer.reads === 'text') {
    const rows = await store.consumers.readText(org, from, limit);
    const first = rows[0];
    return {
      count: rows.length,
      // One body parsed to know the batch's age; the consumer parses the rest elsewhere.
      firstReceivedMs: first ? Date.parse((JSON.parse(first.body) as StoredEvent).received_at) : 0,
      lastSeq: rows[rows.length - 1]?.seq ?? 0,
      consume: () => consumer.consume(org, rows),
    };
  }
  const events = await store.consumers.read(org, from, limit);
  const first = events[0];
  return {
    count: events.length,
    firstReceivedMs: first ? Date.parse(first.received_at) : 0,
    lastSeq: events[events.length - 1]?.seq ?? 0,
    consume: () => consumer.consume(org, events),
  };
}

/** A pair that has caught up: nothing is pending, and a consumer with `restMs` rests. */
function caughtUp(pair: Pair, consumer: AnyLogConsumer): void {
  pair.oldestPendingMs = undefined;
  pair.restUntil = Date.now() + (consumer.restMs ?? 0);
}

function pairKey(consumer: string, org: string): string {
  return `${consumer}\u0000${org}`;
}

export function leaseName(consumer: string, org: string): string {
  return `consumer:${consumer}:${org}`;
}

/** Exponential backoff with jitter: base·2^(n-1), at most max, then between half and all of it. */
export function backoff(baseMs: number, maxMs: number, failures: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
