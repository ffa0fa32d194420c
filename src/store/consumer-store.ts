import type { StoredEvent } from '../domain/event.js';
import type { EventTextRow } from './event-row.js';

/**
 * Durable cursors of the log consumers (src/workers/consumers): per consumer and org, the last
 * seq it has handled, and an opaque state saved with it. A consumer reads an org's events in
 * seq order from its cursor, so what it has not committed comes again after a restart.
 */

export interface ConsumerCursor {
  /** 0 when the consumer has handled nothing of the org yet. */
  seq: number;
  /** What the consumer saved with its cursor; null when nothing. */
  state: string | null;
}

/** Where one consumer stands in one org: its cursor against the org's chain head. */
export interface ConsumerProgress {
  org: string;
  /** The org's last seq. */
  head: number;
  /** The consumer's cursor (0: nothing handled). */
  seq: number;
}

/** An event as stored, not parsed: its seq, the canonical body it was hashed from, its links. */
export interface LoggedText extends EventTextRow {
  seq: number;
}

export interface ConsumerStore {
  cursor(consumer: string, org: string): Promise<ConsumerCursor>;
  /**
   * Moves the cursor to `seq` (never back: a smaller seq changes nothing and answers false),
   * saving `state` with it when given.
   */
  advance(consumer: string, org: string, seq: number, state?: string | null): Promise<boolean>;
  /**
   * The consumer's progress in every org (or only `org`), in one query: how far each org's
   * chain is ahead of its cursor, so idle polling reads no events.
   */
  progress(consumer: string, org?: string): Promise<ConsumerProgress[]>;
  /** Up to `limit` of the org's events from `fromSeq` on, in seq order. */
  read(org: string, fromSeq: number, limit: number): Promise<StoredEvent[]>;
  /** The same events as stored text, for a consumer that parses them elsewhere (a thread). */
  readText(org: string, fromSeq: number, limit: number): Promise<LoggedText[]>;
  /** Drops every cursor of the consumer (a stream deleted). */
  forget(consumer: string): Promise<void>;
}
