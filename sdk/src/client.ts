import { type ActionHelpers, recordingHelpers } from './actions.js';
import { type RetryOptions, type RetryPolicy, retryPolicy, sleep, unrefTimer } from './backoff.js';
import { type DeliveryOutcome, deliver, type RetryNotice } from './deliver.js';
import { TrailmarkError } from './errors.js';
import type { Connection, FetchLike } from './http.js';
import { isoTime, newEventId } from './ids.js';
import { fetchPost, nodePost } from './post.js';
import {
  type Batch,
  batchBody,
  encodeEvent,
  eventJson,
  type QueuedEvent,
  singleBatchBytes,
  utf8Length,
  WaitingEvents,
} from './queue.js';
import {
  type ExportFilters,
  type ExportFormat,
  type ExportOptions,
  type NodeWritableLike,
  Reader,
} from './reader.js';
import type { Spool } from './spool.js';
import {
  type ChainStatus,
  type EventFilters,
  type EventInput,
  type EventPage,
  MAX_EVENTS_PER_REQUEST,
  MAX_REQUEST_BYTES,
  type StoredEvent,
  type VerificationReport,
} from './types.js';

/**
 * What record() does when the queue holds `maxQueue` events:
 * `drop-newest` refuses the new event, `drop-oldest` drops the oldest event not yet being sent,
 * `block` makes record()'s promise wait until there is room.
 */
export type OverflowPolicy = 'drop-newest' | 'drop-oldest' | 'block';

export interface TrailmarkOptions {
  /** The server, e.g. `https://trailmark.example.com`. */
  url: string;
  /** An API key with `events:write` (and `events:read` for the read helpers). */
  apiKey: string;
  /** For deployment-wide keys: the organization of events that name none, and of reads. */
  org?: string;
  /** Events per request, 1 to 1000. Default 500. */
  batchSize?: number;
  /**
   * Request body bytes, at most 5 MiB. Default 1,000,000, under the 1 MiB body limit that
   * reverse proxies such as nginx apply by default.
   */
  batchBytes?: number;
  /** A batch that is not full is sent this long after its first event. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Events held in memory (waiting and being sent) at most. Default 10,000. */
  maxQueue?: number;
  /** Default `drop-newest`. */
  overflow?: OverflowPolicy;
  retry?: RetryOptions;
  /** One request's time limit. Default 30 s. */
  timeoutMs?: number;
  /** Keeps events on disk until acknowledged (`FileSpool` from `@trailmark/sdk/spool`). */
  spool?: Spool;
  /**
   * Used for everything when given. Default: the global fetch, except that on Node (20.16+)
   * events are sent with node:http(s), which takes a third of fetch's CPU per request.
   */
  fetch?: FetchLike;
  headers?: Record<string, string>;
  /** Every event lost, refused or dropped, and spool failures. Default: a console warning. */
  onError?: (error: TrailmarkError) => void;
  /** Each transient failure before its retry. */
  onRetry?: (notice: RetryNotice) => void;
}

export interface Recorded {
  /** The event's id: the caller's, or the one generated for it. */
  id: string;
  /** False when the event was refused (invalid, queue full, closed); onError says why. */
  queued: boolean;
}

export interface TrailmarkStats {
  /** Recorded and not yet taken into a request (including events being written to the spool). */
  waiting: number;
  /** With a spool: recorded and not yet durable in it (what a crash now would lose). */
  unspooled: number;
  /** In requests in flight or waiting to be retried. */
  sending: number;
  /** `block` only: record() calls waiting for room. */
  blocked: number;
  /** Acknowledged by the server (duplicates included). */
  acknowledged: number;
  /** Acknowledged as already stored: earlier attempts had reached the server. */
  duplicates: number;
  dropped: number;
  retries: number;
}

export interface ShutdownResult {
  /** Everything recorded was acknowledged, or refused and reported. */
  delivered: boolean;
  /** Events neither acknowledged nor reported as lost: kept in the spool for the next start. */
  spooled: number;
  /** Events given up (reported through onError as `undelivered`). */
  undelivered: number;
}

const DEFAULTS = {
  batchSize: 500,
  batchBytes: 1_000_000,
  flushIntervalMs: 1000,
  concurrency: 4,
  maxQueue: 10_000,
  timeoutMs: 30_000,
  shutdownTimeoutMs: 10_000,
};

function between(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`Trailmark: ${name} must be from ${min} to ${max} (got ${value})`);
  }
  return value;
}

interface Blocked {
  event: QueuedEvent;
  resolve: (recorded: Recorded) => void;
}

interface FlushWaiter {
  upTo: number;
  resolve: () => void;
}

/**
 * The Trailmark client. record() serialises an event, gives it an id and a time, and queues it;
 * it never throws and never waits, except under the `block` policy. Batches go out when full or
 * after `flushIntervalMs`, up to `concurrency` at a time, each retried until acknowledged.
 */
export class Trailmark {
  /** Typed helpers for common actions: `trailmark.auth.login({ actor })`, … */
  readonly auth: ActionHelpers['auth'];
  readonly apiKey: ActionHelpers['apiKey'];
  readonly member: ActionHelpers['member'];
  readonly resource: ActionHelpers['resource'];

  private readonly connection: Connection;
  private readonly reader: Reader;
  private readonly policy: RetryPolicy;
  private readonly limits: { events: number; bytes: number };
  private readonly flushIntervalMs: number;
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private readonly overflow: OverflowPolicy;
  private readonly defaultOrg: string | undefined;
  private readonly onError: (error: TrailmarkError) => void;
  private readonly onRetry: ((notice: RetryNotice) => void) | undefined;

  private spool: Spool | undefined;
  private readonly spoolOpened: Promise<void>;
  /** Events accepted while a spool write runs, and the ones that write holds. */
  private unspooled: QueuedEvent[] = [];
  private spooling: QueuedEvent[] = [];
  private spoolWriter: Promise<void> | undefined;

  private readonly waiting = new WaitingEvents();
  private readonly sending = new Set<QueuedEvent[]>();
  private sendingCount = 0;
  private active = 0;
  private readonly blocked: Blocked[] = [];
  /** Left over when shutdown abandoned their requests. */
  private abandoned: QueuedEvent[] = [];

  private nextN = 1;
  /** Events up to this n go out now, full batch or not (the window passed, or flush()). */
  private dueUpTo = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushWaiters: FlushWaiter[] = [];
  private closing = false;
  private shutdownResult: Promise<ShutdownResult> | undefined;
  private readonly abort = new AbortController();
  private readonly counters = { acknowledged: 0, duplicates: 0, dropped: 0, retries: 0 };

  constructor(options: TrailmarkOptions) {
    if (!options?.url) throw new TypeError('Trailmark: url is required');
    if (!options.apiKey) throw new TypeError('Trailmark: apiKey is required');
    const fetchImpl = options.fetch ?? globalThis.fetch?.bind(globalThis);
    if (!fetchImpl) throw new TypeError('Trailmark: no fetch in this runtime; pass options.fetch');
    const baseUrl = options.url.replace(/\/+$/, '');
    this.connection = {
      baseUrl,
      apiKey: options.apiKey,
      fetch: fetchImpl,
      // A fetch the caller passes is used for everything; otherwise events go by node:http on Node.
      post: (options.fetch ? undefined : nodePost(baseUrl)) ?? fetchPost(fetchImpl),
      headers: options.headers ?? {},
      timeoutMs: between('timeoutMs', options.timeoutMs ?? DEFAULTS.timeoutMs, 1, 3_600_000),
    };
    this.policy = retryPolicy(options.retry);
    this.limits = {
      events: between('batchSize', options.batchSize ?? DEFAULTS.batchSize, 1, MAX_EVENTS_PER_REQUEST),
      bytes: between('batchBytes', options.batchBytes ?? DEFAULTS.batchBytes, 1024, MAX_REQUEST_BYTES),
    };
    this.flushIntervalMs = between(
      'flushIntervalMs',
      options.flushIntervalMs ?? DEFAULTS.flushIntervalMs,
      0,
      3_600_000,
    );
    this.concurrency = between('concurrency', options.concurrency ?? DEFAULTS.concurrency, 1, 64);
    this.maxQueue = between('maxQueue', options.maxQueue ?? DEFAULTS.maxQueue, 1, 100_000_000);
    this.overflow = options.overflow ?? 'drop-newest';
    if (!['drop-newest', 'drop-oldest', 'block'].includes(this.overflow)) {
      throw new TypeError(
        `Trailmark: overflow must be drop-newest, drop-oldest or block (got ${this.overflow})`,
      );
    }
    this.defaultOrg = options.org;
    const onError = options.onError ?? ((error) => console.warn(`[trailmark] ${error.message}`));
    // A callback that throws must not break delivery.
    this.onError = (error) => {
      try {
        onError(error);
      } catch {}
    };
    this.onRetry = options.onRetry;
    this.reader = new Reader(this.connection, this.defaultOrg, { ...this.policy, maxAttempts: 3 });
    const helpers = recordingHelpers((event) => this.record(event));
    this.auth = helpers.auth;
    this.apiKey = helpers.apiKey;
    this.member = helpers.member;
    this.resource = helpers.resource;

    this.spool = options.spool;
    this.spoolOpened = this.spool ? this.openSpool(this.spool) : Promise.resolve();
  }

  /**
   * Queues one event. Resolves at once (or, under `block`, when there is room) and never
   * rejects: an event that cannot be queued resolves with `queued: false` and goes to onError.
   */
  record(event: EventInput): Promise<Recorded> {
    let queued: QueuedEvent;
    try {
      queued = this.prepare(event);
    } catch (error) {
      const id = typeof event?.id === 'string' ? event.id : '';
      this.onError(
        new TrailmarkError('invalid', `event not queued: ${(error as Error).message}`, {
          eventIds: id ? [id] : [],
          cause: error,
        }),
      );
      return Promise.resolve({ id, queued: false });
    }
    if (this.closing) {
      this.refuse('closed', 'event recorded after shutdown() began', [queued]);
      return Promise.resolve({ id: queued.id, queued: false });
    }
    queued.n = this.nextN++;
    if (this.blocked.length === 0 && this.pending() < this.maxQueue) {
      this.admit(queued);
      return Promise.resolve({ id: queued.id, queued: true });
    }
    if (this.overflow === 'block') {
      return new Promise((resolve) => this.blocked.push({ event: queued, resolve }));
    }
    if (this.overflow === 'drop-oldest') {
      const oldest = this.waiting.shiftOldest();
      if (oldest) {
        this.drop(oldest);
        this.admit(queued);
        return Promise.resolve({ id: queued.id, queued: true });
      }
    }
    this.refuse('queue_full', `queue full (${this.maxQueue} events): event dropped`, [queued]);
    this.counters.dropped += 1;
    return Promise.resolve({ id: queued.id, queued: false });
  }

  /** Queues several events, in order; under `block` each waits for room in turn. */
  async recordMany(events: readonly EventInput[]): Promise<Recorded[]> {
    const out: Recorded[] = [];
    for (const event of events) out.push(await this.record(event));
    return out;
  }

  /**
   * Sends everything recorded so far without waiting for the batch window, and resolves once
   * all of it is acknowledged or reported lost. With a server that stays down it waits as long
   * as the retries go on; shutdown() takes a deadline.
   */
  async flush(): Promise<void> {
    await this.spoolOpened;
    const upTo = this.nextN - 1;
    if (this.oldestUnsettled() > upTo) return;
    this.dueUpTo = Math.max(this.dueUpTo, upTo);
    await this.keepingAlive(
      new Promise<void>((resolve) => {
        this.flushWaiters.push({ upTo, resolve });
        this.pump();
      }),
    );
  }

  /**
   * Stops accepting events, flushes, and waits up to `timeoutMs` (default 10 s). What is still
   * unsent then stays in the spool for the next start, or without one is reported `undelivered`.
   */
  shutdown(options: { timeoutMs?: number } = {}): Promise<ShutdownResult> {
    this.shutdownResult ??= this.keepingAlive(
      this.closeWithin(options.timeoutMs ?? DEFAULTS.shutdownTimeoutMs),
    );
    return this.shutdownResult;
  }

  /** shutdown() under the name streams and clients usually have. */
  close(options: { timeoutMs?: number } = {}): Promise<ShutdownResult> {
    return this.shutdown(options);
  }

  stats(): TrailmarkStats {
    return {
      waiting: this.unspooled.length + this.spooling.length + this.waiting.length,
      unspooled: this.unspooled.length + this.spooling.length,
      sending: this.sendingCount,
      blocked: this.blocked.length,
      ...this.counters,
    };
  }

  // Read helpers (they need a key with events:read).

  /** One page of events, newest first: `{ data, next_cursor }`. */
  list(filters?: EventFilters): Promise<EventPage> {
    return this.reader.list(filters);
  }

  /** Every page matching the filters, following next_cursor. */
  pages(filters?: EventFilters): AsyncGenerator<EventPage> {
    return this.reader.pages(filters);
  }

  /** Every event matching the filters, newest first, fetched a page at a time. */
  iterate(filters?: EventFilters): AsyncGenerator<StoredEvent> {
    return this.reader.iterate(filters);
  }

  /** One event, whole; undefined when there is none with this id. */
  get(id: string, options?: { org?: string }): Promise<StoredEvent | undefined> {
    return this.reader.get(id, options);
  }

  /** `POST /v1/chain/verify`: the whole retained chain against its signed checkpoints. */
  verify(options?: { org?: string }): Promise<VerificationReport> {
    return this.reader.verify(options);
  }

  /** The chain head, newest signed checkpoint and last verification. */
  chain(options?: { org?: string }): Promise<ChainStatus> {
    return this.reader.chain(options);
  }

  /** Distinct actions in the filtered range, with their counts. */
  actions(filters?: EventFilters): Promise<Array<{ action: string; count: number }>> {
    return this.reader.actions(filters);
  }

  /**
   * Streams an export as CSV or JSONL. Without a destination: the body as a web ReadableStream.
   * With a web WritableStream or a Node writable (a file stream, an HTTP response): piped there
   * with back-pressure, resolving to the byte count.
   */
  exportTo(format: ExportFormat, filters?: ExportFilters): Promise<ReadableStream<Uint8Array>>;
  exportTo(
    format: ExportFormat,
    filters: ExportFilters,
    destination: WritableStream<Uint8Array> | NodeWritableLike,
    options?: ExportOptions,
  ): Promise<{ bytes: number }>;
  exportTo(
    format: ExportFormat,
    filters: ExportFilters = {},
    destination?: WritableStream<Uint8Array> | NodeWritableLike,
    options?: ExportOptions,
  ): Promise<ReadableStream<Uint8Array> | { bytes: number }> {
    return destination
      ? this.reader.exportTo(format, filters, destination, options)
      : this.reader.exportTo(format, filters);
  }

  // Internals.

  /** Serialises the event once, as it will be sent: later changes to the caller's object do not leak in. */
  private prepare(event: EventInput): QueuedEvent {
    if (event === null || typeof event !== 'object') throw new TypeError('an event must be an object');
    if (typeof event.action !== 'string') throw new TypeError('action must be a string');
    const actor = event.actor as EventInput['actor'] | undefined;
    if (!actor || typeof actor.type !== 'string' || typeof actor.id !== 'string') {
      throw new TypeError('actor must have a type and an id');
    }
    const at = event.occurred_at;
    if (at instanceof Date && Number.isNaN(at.getTime()))
      throw new RangeError('occurred_at is an invalid Date');
    // Members the SDK adds are written in front of the caller's, as text: copying the event
    // into a new object first doubled the cost of serialising it. A Date serialises as its ISO
    // string (Date#toJSON).
    let added = '';
    const now = Date.now();
    const id = event.id === undefined ? newEventId(now) : event.id;
    if (typeof id !== 'string') throw new TypeError('id must be a string');
    // A generated id is Crockford base32 after `evt_`: nothing in it needs escaping.
    if (event.id === undefined) added += `"id":"${id}",`;
    if (at === undefined) added += `"occurred_at":"${isoTime(now)}",`;
    const org = event.org ?? this.defaultOrg;
    if (event.org === undefined && org !== undefined) added += `"org":${JSON.stringify(org)},`;
    const text = JSON.stringify(event);
    if (typeof text !== 'string' || text[0] !== '{') throw new TypeError('an event must be a plain object');
    const json = added ? `{${added}${text.slice(1)}` : text;
    // Sized in its flat parts: sizing the joined string would copy it into one first. Only an
    // org can put anything but ASCII in what was added.
    const bytes =
      utf8Length(text) + (org !== undefined && event.org === undefined ? utf8Length(added) : added.length);
    if (singleBatchBytes(bytes) > this.limits.bytes) {
      throw new RangeError(
        `the event is ${bytes} bytes as JSON, over the batch limit of ${this.limits.bytes}`,
      );
    }
    return { n: 0, id, org, data: encodeEvent(json, bytes), bytes };
  }

  /** Events held: waiting, being spooled, being sent. The bound applies to this. */
  private pending(): number {
    return this.unspooled.length + this.spooling.length + this.waiting.length + this.sendingCount;
  }

  private admit(event: QueuedEvent): void {
    if (this.spool) {
      this.unspooled.push(event);
      this.spoolWriter ??= this.writeSpool();
      return;
    }
    this.waiting.push(event);
    this.pump();
  }

  /** Appends what was recorded to the spool (one write and sync for all of it), then queues it. */
  private async writeSpool(): Promise<void> {
    await this.spoolOpened;
    while (this.unspooled.length > 0) {
      this.spooling = this.unspooled;
      this.unspooled = [];
      const spool = this.spool;
      if (spool) {
        try {
          await spool.append(this.spooling.map((e) => ({ id: e.id, org: e.org, json: eventJson(e) })));
        } catch (error) {
          this.spoolFailed(error);
        }
      }
      for (const event of this.spooling) this.waiting.push(event);
      this.spooling = [];
      this.pump();
    }
    this.spoolWriter = undefined;
  }

  private async openSpool(spool: Spool): Promise<void> {
    try {
      const replayed = await spool.open();
      for (const { id, org, json } of replayed) {
        const bytes = utf8Length(json);
        this.waiting.push({ n: this.nextN++, id, org, data: encodeEvent(json, bytes), bytes });
      }
      if (replayed.length > 0) {
        // Events from an earlier run are due at once.
        this.dueUpTo = Math.max(this.dueUpTo, this.nextN - 1);
        this.pump();
      }
    } catch (error) {
      this.spoolFailed(error);
    }
  }

  private spoolFailed(error: unknown): void {
    this.spool = undefined;
    this.onError(
      new TrailmarkError('spool', `spool failed, events are kept in memory only: ${String(error)}`, {
        cause: error,
      }),
    );
  }

  /** Starts requests while there are free slots and batches ready; arms the window's timer. */
  private pump(): void {
    // Past shutdown's deadline: what still waits is accounted for by shutdown, not sent.
    if (this.abort.signal.aborted) return;
    while (this.active < this.concurrency) {
      const batch = this.waiting.take(this.limits, this.dueUpTo);
      if (!batch) break;
      this.active += 1;
      this.sending.add(batch.events);
      this.sendingCount += batch.events.length;
      void this.send(batch);
    }
    if (this.timer === undefined && this.waiting.length > 0 && this.nextN - 1 > this.dueUpTo) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.dueUpTo = this.nextN - 1;
        this.pump();
      }, this.flushIntervalMs);
      unrefTimer(this.timer);
    }
  }

  private async send(batch: Batch): Promise<void> {
    let events = batch.events;
    try {
      for (;;) {
        const outcome = await deliver(
          this.connection,
          batchBody(events),
          this.policy,
          this.abort.signal,
          (notice) => {
            this.counters.retries += 1;
            this.onRetry?.(notice);
          },
        );
        const rest = this.settle(events, outcome);
        if (rest.length === 0) return;
        events = rest;
      }
    } catch (error) {
      // Not expected (deliver turns failures into outcomes); never leave the batch unaccounted for.
      this.release(events, true);
      this.refuse('undelivered', `delivery failed: ${String(error)}`, events);
    } finally {
      this.active -= 1;
      this.sending.delete(batch.events);
      this.pump();
      this.settled();
    }
  }

  /**
   * Accounts for a request's outcome; returns the events to send again as a new request. A 400
   * or 409 that names some events only (`/events/3/...`) refuses those and sends the others: one
   * bad event does not cost its batch-mates.
   */
  private settle(events: QueuedEvent[], outcome: DeliveryOutcome): QueuedEvent[] {
    switch (outcome.kind) {
      case 'acked': {
        this.counters.acknowledged += events.length;
        for (const ack of outcome.acks) if (ack.duplicate) this.counters.duplicates += 1;
        this.release(events, true);
        return [];
      }
      case 'rejected': {
        const isolate = outcome.status === 400 || outcome.status === 409;
        const bad = isolate ? refusedIndexes(outcome.problem.errors, events.length) : new Set<number>();
        const refused =
          bad.size > 0 && bad.size < events.length ? events.filter((_, i) => bad.has(i)) : events;
        const rest = refused === events ? [] : events.filter((_, i) => !bad.has(i));
        this.release(refused, true);
        this.counters.dropped += refused.length;
        this.refuse(
          'rejected',
          `${refused.length} event(s) refused: ${outcome.status} ${outcome.problem.detail || outcome.problem.title}`,
          refused,
          { status: outcome.status, problem: outcome.problem },
        );
        return rest;
      }
      case 'exhausted': {
        this.release(events, true);
        this.counters.dropped += events.length;
        const why = outcome.status ? `HTTP ${outcome.status}` : String(outcome.cause);
        this.refuse(
          'retries_exhausted',
          `${events.length} event(s) dropped after ${outcome.attempts} attempts: ${why}`,
          events,
          {
            ...(outcome.status === undefined ? {} : { status: outcome.status }),
            ...(outcome.problem ? { problem: outcome.problem } : {}),
            cause: outcome.cause,
          },
        );
        return [];
      }
      case 'abandoned': {
        this.release(events, false);
        this.abandoned.push(...events);
        return [];
      }
    }
  }

  /** The events leave the queue; `final`: acknowledged or given up, so not to be replayed. */
  private release(events: readonly QueuedEvent[], final: boolean): void {
    this.sendingCount -= events.length;
    if (final && this.spool && events.length > 0) {
      this.spool.done(events.map((e) => e.id)).catch((error: unknown) => this.spoolFailed(error));
    }
    this.admitBlocked();
  }

  private drop(event: QueuedEvent): void {
    this.counters.dropped += 1;
    this.spool?.done([event.id]).catch((error: unknown) => this.spoolFailed(error));
    this.refuse('queue_full', `queue full (${this.maxQueue} events): oldest event dropped`, [event]);
    this.settled();
  }

  /** Lets blocked record() calls in, oldest first, while there is room. */
  private admitBlocked(): void {
    while (this.blocked.length > 0 && this.pending() < this.maxQueue) {
      const { event, resolve } = this.blocked.shift()!;
      this.admit(event);
      resolve({ id: event.id, queued: true });
    }
  }

  private refuse(
    kind: 'closed' | 'queue_full' | 'rejected' | 'retries_exhausted' | 'undelivered',
    message: string,
    events: readonly QueuedEvent[],
    extra: { status?: number; problem?: TrailmarkError['problem']; cause?: unknown } = {},
  ): void {
    this.onError(
      new TrailmarkError(kind, message, {
        ...extra,
        ...(extra.problem ? { problem: extra.problem } : {}),
        eventIds: events.map((e) => e.id),
        eventJson: events.map(eventJson),
      }),
    );
  }

  /** The smallest n not yet acknowledged or given up. */
  private oldestUnsettled(): number {
    let min = Math.min(this.waiting.oldestN(), this.blocked[0]?.event.n ?? Number.POSITIVE_INFINITY);
    for (const event of this.unspooled) min = Math.min(min, event.n);
    for (const event of this.spooling) min = Math.min(min, event.n);
    for (const events of this.sending) for (const event of events) min = Math.min(min, event.n);
    return min;
  }

  /** Resolves the flush() calls whose events have all settled. */
  private settled(): void {
    if (this.flushWaiters.length === 0) return;
    const oldest = this.oldestUnsettled();
    const still: FlushWaiter[] = [];
    for (const waiter of this.flushWaiters) {
      if (waiter.upTo < oldest) waiter.resolve();
      else still.push(waiter);
    }
    this.flushWaiters = still;
  }

  private async closeWithin(timeoutMs: number): Promise<ShutdownResult> {
    this.closing = true;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      await Promise.race([this.flush(), sleep(timeoutMs, deadline.signal)]);
    } finally {
      clearTimeout(timer);
    }
    // Past the deadline: stop retrying, and account for whatever is left.
    this.abort.abort();
    while (this.active > 0) await sleep(5);
    await this.spoolWriter;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const left: QueuedEvent[] = [...this.abandoned, ...this.drainWaiting()];
    this.abandoned = [];
    let undelivered: QueuedEvent[] = [];
    for (const { event, resolve } of this.blocked.splice(0)) {
      undelivered.push(event);
      resolve({ id: event.id, queued: false });
    }
    let spooled = 0;
    if (this.spool) spooled = left.length;
    else undelivered = [...left, ...undelivered];
    if (undelivered.length > 0) {
      this.counters.dropped += undelivered.length;
      this.refuse(
        'undelivered',
        `${undelivered.length} event(s) not delivered before the shutdown deadline`,
        undelivered,
      );
    }
    await this.spool?.close().catch((error: unknown) => this.spoolFailed(error));
    for (const waiter of this.flushWaiters.splice(0)) waiter.resolve();
    return { delivered: spooled + undelivered.length === 0, spooled, undelivered: undelivered.length };
  }

  private drainWaiting(): QueuedEvent[] {
    const out: QueuedEvent[] = [];
    for (let event = this.waiting.shiftOldest(); event; event = this.waiting.shiftOldest()) out.push(event);
    return out;
  }

  /** Node exits when only unref'd timers remain; an awaited flush or shutdown must hold it open. */
  private async keepingAlive<T>(work: Promise<T>): Promise<T> {
    const keepAlive = setInterval(() => {}, 60_000);
    try {
      return await work;
    } finally {
      clearInterval(keepAlive);
    }
  }
}

/** Indexes of the events a 400 or 409 names (`/events/3/actor/id` → 3). */
function refusedIndexes(errors: Array<{ path: string }> | undefined, count: number): Set<number> {
  const bad = new Set<number>();
  for (const error of errors ?? []) {
    const match = /^\/events\/(\d+)(?:\/|$)/.exec(error.path);
    // A problem with the request as a whole: every event shares it.
    if (!match) return new Set();
    const index = Number(match[1]);
    if (index < count) bad.add(index);
  }
  return bad;
}
