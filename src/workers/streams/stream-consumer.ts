import {
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  retryDelayMs,
  shouldGiveUp,
} from '../../delivery/retry-policy.js';
import type { SendResult } from '../../delivery/send-result.js';
import type { LoggedText } from '../../store/consumer-store.js';
import type { AuditStore } from '../../store/store.js';
import { type StreamRecord, streamConsumerName } from '../../store/stream-store.js';
import type { TextLogConsumer } from '../consumers/log-consumer.js';
import type { StreamSender } from './stream-senders.js';

export interface StreamConsumerDeps {
  store: AuditStore;
  /** Formats and sends, in batches by count, bytes and time (stream-senders.ts). */
  sender: StreamSender;
  policy?: RetryPolicy;
  /** The stream has failed for `giveUpAfterMs`: pause it with the reason. */
  giveUp(stream: StreamRecord, reason: string): Promise<void>;
}

const SUCCESS_WRITE_EVERY_MS = 1000;

/**
 * Delivers one stream: each org event after its cursor that passes its filter, written in its
 * format and sent through its destination's transport in batches (count, bytes, time), in seq
 * order. A batch not yet full waits `max_wait_ms` for more. A failed batch is retried from the
 * first record not acknowledged, after an exponential, jittered delay that respects Retry-After;
 * failing for 24 h without a success pauses the stream with the reason. Events are resent only
 * across a retry boundary, with the same id.
 */
export class StreamConsumer implements TextLogConsumer {
  readonly name: string;
  readonly orgs: { orgId: string };
  /** The sender thread parses, filters, formats and sends; the next read overlaps it. */
  readonly reads = 'text';
  readonly readAhead = true;
  private attempt = 0;
  private retryAt = 0;
  private failingSince: number | undefined;
  /** ms: when a success was last written to the stream's status. */
  private successWrittenAt = 0;
  /** That write, while it waits for the database. */
  private successWriting: Promise<void> | undefined;

  constructor(
    readonly stream: StreamRecord,
    private readonly deps: StreamConsumerDeps,
  ) {
    this.name = streamConsumerName(stream.id);
    this.orgs = { orgId: stream.org };
    this.failingSince = stream.failing_since ? Date.parse(stream.failing_since) : undefined;
  }

  async consume(_org: string, rows: readonly LoggedText[]): Promise<number | undefined> {
    const now = Date.now();
    if (now < this.retryAt) return rows[0]!.seq - 1;
    const { handled, delivered, failure } = await this.deps.sender.send(rows, now);
    // Commit what went through (and what the filter passed over): up to `handled`.
    if (delivered > 0) await this.noteSuccess();
    if (failure) await this.noteFailure(failure);
    return handled;
  }

  /** A short batch is offered again as soon as more may have come; a retry, after its backoff. */
  resumeAt(): number {
    return this.retryAt;
  }

  private async noteSuccess(): Promise<void> {
    const recovered = this.failingSince !== undefined;
    this.attempt = 0;
    this.retryAt = 0;
    this.failingSince = undefined;
    // A status write is a write beside ingest's: after a failure at once (it clears the error),
    // else at most one a second and without waiting for it, so delivery keeps its pace.
    const now = Date.now();
    const write = () =>
      this.deps.store.streams.delivered(this.stream.org, this.stream.id, new Date(now).toISOString());
    if (recovered) {
      await this.successWriting;
      await write();
    } else if (!this.successWriting && now - this.successWrittenAt >= SUCCESS_WRITE_EVERY_MS) {
      // Informational: if the database refuses it, the next success writes it again.
      this.successWriting = write()
        .catch(() => undefined)
        .finally(() => {
          this.successWriting = undefined;
        });
    } else return;
    this.successWrittenAt = now;
  }

  private async noteFailure(result: Exclude<SendResult, { outcome: 'delivered' }>): Promise<void> {
    // A success note still on its way would land after this one and clear the failure.
    await this.successWriting;
    const now = Date.now();
    const policy = this.deps.policy ?? DEFAULT_RETRY_POLICY;
    this.failingSince ??= now;
    const retryAfter = result.outcome === 'retryable' ? result.retryAfterMs : undefined;
    this.retryAt = now + retryDelayMs(this.attempt, retryAfter, policy);
    this.attempt++;
    const reason = `${result.outcome === 'permanent' ? 'refused' : 'failed'}: ${result.reason}`;
    await this.deps.store.streams.failed(
      this.stream.org,
      this.stream.id,
      reason,
      new Date(now).toISOString(),
    );
    if (shouldGiveUp(this.failingSince, now, policy)) {
      await this.deps.giveUp(
        this.stream,
        `delivery failing since ${new Date(this.failingSince).toISOString()}: ${reason}`,
      );
    }
  }
}
