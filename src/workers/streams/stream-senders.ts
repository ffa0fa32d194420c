import type { Worker } from 'node:worker_threads';
import type { LoggedText } from '../../store/consumer-store.js';
import type { StreamRecord } from '../../store/stream-store.js';
import { startThread } from '../../store/threads.js';
import type { BatchOutcome } from './stream-batches.js';

/** What the sender thread needs of a stream: where, how batched, which format, which events. */
export interface SenderSettings extends Pick<StreamRecord, 'destination' | 'batch' | 'format' | 'filter'> {
  productVersion: string;
}

/** To the sender thread (sender-thread.ts). */
export type SenderRequest =
  | { kind: 'open'; stream: string; settings: SenderSettings }
  | { kind: 'send'; call: number; stream: string; rows: readonly LoggedText[]; now: number }
  | { kind: 'close'; call: number; stream: string };

/** From the sender thread: the answer to one call. */
export type SenderReply =
  | { kind: 'sent'; call: number; outcome: BatchOutcome }
  | { kind: 'done'; call: number }
  | { kind: 'failed'; call: number; message: string };

/** One stream's way out: filters, formats and sends events as sendBatches (stream-batches.ts) does. */
export interface StreamSender {
  send(rows: readonly LoggedText[], now: number): Promise<BatchOutcome>;
  close(): Promise<void>;
}

type Pending = { resolve(reply: SenderReply): void; reject(error: Error): void };

/**
 * Formats and sends every stream's batches on one thread of its own. On the main thread each
 * request a stream sent waited for event-loop turns that ingest's requests filled: under the
 * batch ingest benchmark a 2,000-event read took 150 to 700 ms to deliver as four requests, and
 * the streams fell 7 to 11 s behind. Here the main thread only reads the rows, as their stored
 * text (strings copy cheaply between threads); the thread parses, filters, formats and waits on
 * the receivers, and one message comes back per read.
 *
 * The thread is started on first use. If it dies, the calls under way fail (their consumers retry
 * from their cursors, so nothing is lost) and the next call starts it again with every stream
 * still open.
 */
export class SenderThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<string, SenderSettings>();
  private nextCall = 1;

  /** Opens (or reopens with new settings) the stream's sender. */
  open(stream: string, settings: SenderSettings): StreamSender {
    this.streams.set(stream, settings);
    this.worker?.postMessage({ kind: 'open', stream, settings } satisfies SenderRequest);
    return {
      send: async (rows, now) => {
        const reply = await this.call((call) => ({ kind: 'send', call, stream, rows, now }));
        if (reply.kind !== 'sent') throw new Error(`stream sender: unexpected ${reply.kind} reply`);
        return reply.outcome;
      },
      close: async () => {
        this.streams.delete(stream);
        if (this.worker) await this.call((call) => ({ kind: 'close', call, stream }));
      },
    };
  }

  /** Ends the thread; calls under way fail. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.streams.clear();
    if (worker) await worker.terminate();
    this.failAll(new Error('stream sender thread stopped'));
  }

  private call(request: (call: number) => SenderRequest): Promise<SenderReply> {
    const worker = this.thread();
    const call = this.nextCall++;
    return new Promise<SenderReply>((resolve, reject) => {
      this.pending.set(call, { resolve, reject });
      worker.postMessage(request(call));
    }).then((reply) => {
      if (reply.kind === 'failed') throw new Error(`stream sender: ${reply.message}`);
      return reply;
    });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = startThread(import.meta.url, 'sender-thread', {});
    // Not what keeps a process alive: the server's sockets do, and stop() ends it.
    worker.unref();
    worker.on('message', (reply: SenderReply) => {
      const pending = this.pending.get(reply.call);
      this.pending.delete(reply.call);
      pending?.resolve(reply);
    });
    const died = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(error);
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`stream sender thread exited with code ${code}`)));
    for (const [stream, settings] of this.streams) {
      worker.postMessage({ kind: 'open', stream, settings } satisfies SenderRequest);
    }
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(error);
  }
}
