import type { Worker } from 'node:worker_threads';
import { AppError } from '../../domain/errors.js';
import { startThread } from '../threads.js';
import { type PackedBatch, transferablesOf } from './row-packing.js';
import type { RowOutcome } from './sqlite-append.js';
import type { WriterOptions, WriterRequest, WriterResponse } from './writer-protocol.js';

type Pending = { resolve: (response: WriterResponse) => void; reject: (error: Error) => void };

/**
 * The main thread's handle on the writer and checkpoint threads. `append` hands batches to the
 * writer; `withLock` pauses it so the main thread's own connection can write alone (Trailmark's
 * transactional changes, which are few and small).
 */
export class SqliteWriter {
  private readonly writer: Worker;
  private readonly checkpointer: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private lockChain: Promise<void> = Promise.resolve();
  private failed: Error | undefined;

  constructor(options: WriterOptions) {
    this.writer = startThread(import.meta.url, 'writer-thread', options);
    this.checkpointer = startThread(import.meta.url, 'checkpoint-thread', options);
    this.writer.on('message', (response: WriterResponse) => {
      const waiter = this.pending.get(response.id);
      this.pending.delete(response.id);
      waiter?.resolve(response);
    });
    const fail = (error: Error) => {
      this.failed = error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    this.writer.on('error', fail);
    this.writer.on('exit', (code) => {
      if (!this.failed) fail(new Error(`SQLite writer thread exited (${code})`));
    });
    this.checkpointer.unref();
  }

  private call(
    request: WriterRequest & { id: number },
    transfer: ArrayBuffer[] = [],
  ): Promise<WriterResponse> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.writer.postMessage(request, transfer);
    });
  }

  /** Not async, so that the rows, copied to the writer thread, are not held here meanwhile. */
  append(batches: PackedBatch[]): Promise<RowOutcome[]> {
    const request = { op: 'append', id: this.nextId++, batches } as const;
    return this.call(request, transferablesOf(batches)).then((response) => {
      if (!response.ok) {
        throw Object.assign(new Error(`SQLite append failed: ${response.message}`), { code: response.code });
      }
      return response.outcomes ?? [];
    });
  }

  /** Runs `fn` while the writer thread is paused; calls queue behind each other. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lockChain.then(async () => {
      const response = await this.call({ op: 'lock', id: this.nextId++ });
      if (!response.ok) throw new Error(response.message);
      try {
        return await fn();
      } finally {
        this.writer.postMessage({ op: 'unlock' } satisfies WriterRequest);
      }
    });
    this.lockChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async close(): Promise<void> {
    await this.lockChain;
    if (!this.failed) await this.call({ op: 'close', id: this.nextId++ });
    await new Promise<void>((resolve) => {
      this.checkpointer.once('message', () => resolve());
      this.checkpointer.once('exit', () => resolve());
      this.checkpointer.postMessage('close');
    });
    await this.writer.terminate();
    await this.checkpointer.terminate();
  }
}

export function outcomeError(outcome: Extract<RowOutcome, { ok: false }>): AppError {
  return new AppError(
    outcome.error.code,
    outcome.error.message,
    outcome.error.errors ? { errors: outcome.error.errors } : {},
  );
}
