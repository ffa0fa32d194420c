import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openConnection } from './sqlite-connection.js';
import type { WriterOptions } from './writer-protocol.js';

/**
 * Copies committed WAL pages into the database file, off the writer's thread. PASSIVE never
 * blocks the writer or readers; when the WAL has grown large anyway (readers held old snapshots
 * for long), a TRUNCATE checkpoint brings it back to zero, waiting briefly for the writer.
 */
const options = workerData as WriterOptions;
const db = openConnection(options.path, { cacheMiB: 8, role: 'checkpointer' });
const LARGE_WAL_BYTES = 512 * 1024 * 1024;

function walBytes(): number {
  try {
    return statSync(`${options.path}-wal`).size;
  } catch {
    return 0;
  }
}

const timer = setInterval(() => {
  try {
    db.pragma(walBytes() > LARGE_WAL_BYTES ? 'wal_checkpoint(TRUNCATE)' : 'wal_checkpoint(PASSIVE)');
  } catch {
    // Busy: the next tick tries again.
  }
}, options.checkpointIntervalMs);

parentPort!.on('message', (message: string) => {
  if (message !== 'close') return;
  clearInterval(timer);
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } finally {
    db.close();
    parentPort!.postMessage('closed');
    parentPort!.close();
  }
});
