import type { PackedBatch } from './row-packing.js';
import type { RowOutcome } from './sqlite-append.js';

/** Messages between the main thread and the SQLite writer thread. */
export type WriterRequest =
  | { op: 'append'; id: number; batches: PackedBatch[] }
  /** Stop writing until `unlock`, and say so: the main thread then writes alone. */
  | { op: 'lock'; id: number }
  | { op: 'unlock' }
  | { op: 'close'; id: number };

export type WriterResponse =
  | { id: number; ok: true; outcomes?: RowOutcome[] }
  /** `code`: SQLite's (SQLITE_FULL), so the main thread can tell an outage from a fault. */
  | { id: number; ok: false; message: string; code?: string };

export interface WriterOptions {
  path: string;
  cacheMiB: number;
  /** Milliseconds between checkpoints of the WAL into the database file. */
  checkpointIntervalMs: number;
  /** Events in one transaction at most: queued appends join the one that starts, up to this. */
  maxCommitEvents: number;
  /**
   * Shared by the checkpoint and writer threads: slot 0 holds the WAL's length in frames as the
   * last checkpoint found it. The writer reads it to know when to finish a checkpoint itself.
   */
  walFrames: SharedArrayBuffer;
  /** Past this size a busy WAL is checkpointed to its end by the writer, so that it starts over. */
  walRestartBytes: number;
}
