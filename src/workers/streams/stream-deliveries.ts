import type { Logger } from 'pino';
import type { StreamTestResult } from '../../contracts/streams.js';
import { outboundRecord } from '../../delivery/record.js';
import type { RetryPolicy } from '../../delivery/retry-policy.js';
import type { StoredEvent } from '../../domain/event.js';
import { newId } from '../../domain/ids.js';
import { NO_ENRICHMENT, prepareEvent } from '../../domain/prepare-event.js';
import { streamFormat } from '../../export/formats/stream-format.js';
import type { AuditStore } from '../../store/store.js';
import { type StreamRecord, streamConsumerName } from '../../store/stream-store.js';
import type { LogConsumers } from '../consumers/log-consumers.js';
import { StreamConsumer } from './stream-consumer.js';
import { SenderThread, type StreamSender } from './stream-senders.js';
import { transportFor } from './stream-transport.js';

export const PRODUCT_VERSION = '0.1.0';

export interface StreamDeliveriesOptions {
  store: AuditStore;
  consumers: LogConsumers;
  log: Logger;
  /** How often the streams are read again (changes made by other processes). */
  resyncMs?: number;
  policy?: RetryPolicy;
  /** Pauses a stream that has failed for too long (an audited change: stream.paused). */
  pause(stream: StreamRecord, reason: string): Promise<void>;
}

/**
 * Keeps one delivery consumer registered per active stream: reads the streams at start, after
 * every change made here (`sync()`), and every `resyncMs` (changes made by other processes).
 * A stream whose settings changed gets a fresh consumer and transport; its cursor stays.
 */
export class StreamDeliveries {
  private readonly running = new Map<
    string,
    { updatedAt: string; consumer: StreamConsumer; sender: StreamSender }
  >();
  private readonly senders = new SenderThread();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: StreamDeliveriesOptions) {}

  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      this.sync().catch((error: unknown) =>
        this.options.log.warn({ err: error }, 'streams: could not read streams'),
      );
    };
    tick();
    this.timer = setInterval(tick, this.options.resyncMs ?? 5000);
    this.timer.unref();
  }

  /** Registers, replaces and removes delivery consumers to match the stored streams. */
  sync(): Promise<void> {
    const run = async () => {
      if (this.stopped) return;
      const streams = await this.options.store.streams.all();
      const active = new Map(streams.filter((s) => s.status === 'active').map((s) => [s.id, s]));
      for (const [id, entry] of this.running) {
        const stream = active.get(id);
        if (!stream || stream.updated_at !== entry.updatedAt) await this.remove(id);
      }
      for (const stream of active.values()) {
        if (this.running.has(stream.id)) continue;
        const sender = this.senders.open(stream.id, {
          destination: stream.destination,
          batch: stream.batch,
          format: stream.format,
          filter: stream.filter,
          productVersion: PRODUCT_VERSION,
        });
        const consumer = new StreamConsumer(stream, {
          store: this.options.store,
          sender,
          ...(this.options.policy ? { policy: this.options.policy } : {}),
          giveUp: (s, reason) => this.options.pause(s, reason),
        });
        this.running.set(stream.id, { updatedAt: stream.updated_at, consumer, sender });
        this.options.consumers.register(consumer);
      }
    };
    // One sync at a time; a sync asked for meanwhile runs after it. The caller sees a failure;
    // the chain the next sync waits on never rejects, so a failure (the database restarting)
    // leaves no promise rejected unhandled, which would end the process.
    const next = (this.syncing ?? Promise.resolve()).then(run);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.syncing = settled;
    void settled.then(() => {
      if (this.syncing === settled) this.syncing = undefined;
    });
    return next;
  }

  /** Sends one made-up event (action `trailmark.stream_test`, seq 0) to the stream's destination. */
  async sendTest(stream: StreamRecord): Promise<StreamTestResult> {
    const now = new Date();
    const pending = prepareEvent(
      {
        id: newId('evt_test', now.getTime()),
        action: 'trailmark.stream_test',
        actor: { type: 'system', id: 'trailmark' },
        description: `Test event for stream ${stream.name}`,
        occurred_at: now.toISOString(),
      },
      stream.org,
      now,
      NO_ENRICHMENT,
    );
    const { input_hash: _h, client_id: _c, ...fields } = pending;
    const event: StoredEvent = { ...fields, seq: 0, prev_hash: '0'.repeat(64), hash: '0'.repeat(64) };
    const format = streamFormat(stream.format, { productVersion: PRODUCT_VERSION });
    const transport = transportFor(stream);
    try {
      const result = await transport.send([outboundRecord(event, format.format(event), format.json)]);
      if (result.outcome === 'delivered') return { outcome: 'delivered' };
      return {
        outcome: result.outcome,
        reason: result.reason,
        ...(result.status ? { status: result.status } : {}),
      };
    } finally {
      await transport.close();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    // A sync under way finishes first (this.syncing never rejects).
    await this.syncing;
    for (const id of [...this.running.keys()]) await this.remove(id);
    await this.senders.stop();
  }

  private async remove(id: string): Promise<void> {
    const entry = this.running.get(id);
    if (!entry) return;
    this.running.delete(id);
    this.options.consumers.unregister(streamConsumerName(id));
    await entry.sender.close().catch(() => undefined);
  }
}
