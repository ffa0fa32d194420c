import { parentPort, workerData } from 'node:worker_threads';
import { openConnection } from './sqlite-connection.js';
import type { WriterOptions } from './writer-protocol.js';

/**
 * Copies committed WAL pages into the database file, off the writer's thread. Only PASSIVE
 * checkpoints: they never take the write lock. A TRUNCATE checkpoint holds it while it waits for
 * readers, and a main-thread transaction that had read before asking to write (the retention
 * purge) then failed with "database is locked". Once a checkpoint has copied every frame, the
 * next commit starts the WAL over, and the writers' journal_size_limit trims the file back.
 * Under steady ingest no checkpoint from here reaches the WAL's end (commits land meanwhile), so
 * it reports the WAL's length and the writer thread copies the last frames between two commits.
 */
const options = workerData as WriterOptions;
const db = openConnection(options.path, { cacheMiB: 8, role: 'checkpointer' });
const walFrames = new Int32Array(options.walFrames);
const timer = setInterval(() => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
    Atomics.store(walFrames, 0, result?.log ?? 0);
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
