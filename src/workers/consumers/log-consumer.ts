import type { StoredEvent } from '../../domain/event.js';
import type { LoggedText } from '../../store/consumer-store.js';

/** What every log consumer is, whichever form it takes the events in. */
interface ConsumerBase<Entry> {
  /** Stable name, the durable cursor's key: 'alerts', 'stream:<streamId>'. */
  readonly name: string;
  /** The orgs it reads: 'all', or one org (a stream belongs to one org). */
  readonly orgs: 'all' | { readonly orgId: string };
  /**
   * Handles one org's next events, in seq order, each at least once (after a crash the events
   * after the cursor last written come again). Resolving takes the events given: the runner
   * writes the cursor past them when it catches up or stops, and about once a second while it
   * works through a backlog. Throwing takes none of them, and the runner retries with backoff
   * (bounded, jittered). May return a smaller seq to take only a prefix (e.g. a batch not yet
   * full): the rest comes again at the next poll, not at once, or from `resumeAt()` on.
   */
  consume(orgId: string, events: readonly Entry[]): Promise<number | undefined>;
  /**
   * Most events given to one `consume` call (default: the runner's). The alerts consumer stores
   * its engine's state in one transaction per call, so it takes larger batches.
   */
  readonly batchEvents?: number;
  /**
   * After catching up, how long (ms) before it runs again. A consumer whose
   * every call costs a fixed amount whatever its size gathers events for a while instead of
   * running at every commit, several times a second.
   */
  readonly restMs?: number;
  /**
   * Read the next events while `consume` works on these (when these were a full read). For a
   * consumer whose work happens off the main thread (a stream's sending), the read then overlaps
   * it instead of following it; a consumer that works on the main thread gains nothing from it.
   */
  readonly readAhead?: boolean;
  /**
   * After a prefix: when (ms) to offer the rest again, once more is committed or at a poll. A
   * stream holding a short batch wants it as soon as more events could fill it; one waiting out
   * a retry's backoff, not before the backoff ends.
   */
  resumeAt?(): number;
}

/**
 * Something that reads the log as it grows (alerts, each stream), run by `LogConsumers`
 * (log-consumers.ts) from a durable cursor per consumer and org. This one takes the events parsed.
 */
export interface LogConsumer extends ConsumerBase<StoredEvent> {
  readonly reads?: 'events';
}

/**
 * A log consumer that takes the events as stored text and parses them elsewhere (a stream, on
 * its sender thread): the main thread, which ingest needs, does not parse them for it.
 */
export interface TextLogConsumer extends ConsumerBase<LoggedText> {
  readonly reads: 'text';
}

export type AnyLogConsumer = LogConsumer | TextLogConsumer;

/** How far one consumer is behind in one org. */
export interface ConsumerLag {
  /** Events after the cursor. */
  events: number;
  /** Age of the oldest of them (received_at), 0 when none. */
  seconds: number;
  cursor: number;
  head: number;
}

/** What the runner reports, counted by src/metrics.ts. */
export interface ConsumerMetrics {
  /** A consumer's lag over the orgs it reads: events summed, seconds the largest. */
  lag(consumer: string, events: number, seconds: number): void;
  /** The consumer is gone (unregistered). */
  remove(consumer: string): void;
}
