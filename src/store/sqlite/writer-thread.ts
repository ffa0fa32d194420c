import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { unpackBatch } from './row-packing.js';
import { SqliteAppender } from './sqlite-append.js';
import { openConnection } from './sqlite-connection.js';
import type { WriterOptions, WriterRequest, WriterResponse } from './writer-protocol.js';

/**
 * The SQLite ingest writer. It runs on its own thread so that linking, hashing and inserting
 * events (the cost of a commit) overlap with the main thread's HTTP parsing and validation.
 * Appends that queued up while a commit ran join the next one: one transaction and one fsync
 * for all of them, up to `maxCommitEvents`, without waiting for the main thread to gather them.
 * While the main thread holds the lock, requests wait here.
 */
const options = workerData as WriterOptions;
const port = parentPort!;
const db = openConnection(options.path, { cacheMiB: options.cacheMiB, role: 'writer' });
const appender = new SqliteAppender(db);
const walFrames = new Int32Array(options.walFrames);
const restartFrames = options.walRestartBytes / (db.pragma('page_size', { simple: true }) as number);
type AppendRequest = Extract<WriterRequest, { op: 'append' }>;
/** Every request's batches in one call, so each org's head and search block are written once. */
const appendAll = db.transaction((requests: AppendRequest[]) => {
  const outcomes = appender.appendAll(requests.flatMap((request) => request.batches.map(unpackBatch)));
  let at = 0;
  return requests.map((request) => {
    const from = at;
    at += request.batches.length;
    return outcomes.slice(from, at);
  });
});

let locked = false;
const waiting: WriterRequest[] = [];

function reply(response: WriterResponse): void {
  port.postMessage(response);
}

function eventCount(request: AppendRequest): number {
  let events = 0;
  for (const batch of request.batches) events += batch.rows.count;
  return events;
}

/** The next request in arrival order: those held while locked, then the port's. */
function nextQueued(): WriterRequest | undefined {
  return waiting.shift() ?? (receiveMessageOnPort(port)?.message as WriterRequest | undefined);
}

/**
 * Commits `first` with the appends queued behind it, in arrival order, until the commit holds
 * `maxCommitEvents`; a request of another kind ends the run and is handled after the commit.
 */
function appendQueued(first: AppendRequest): void {
  const requests = [first];
  let events = eventCount(first);
  let after: WriterRequest | undefined;
  while (events < options.maxCommitEvents) {
    const next = nextQueued();
    if (!next) break;
    if (next.op !== 'append') {
      after = next;
      break;
    }
    requests.push(next);
    events += eventCount(next);
  }
  try {
    const outcomes = appendAll.immediate(requests);
    for (const [i, request] of requests.entries())
      reply({ id: request.id, ok: true, outcomes: outcomes[i]! });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | undefined)?.code;
    for (const request of requests) {
      reply({ id: request.id, ok: false, message, code: typeof code === 'string' ? code : undefined });
    }
  }
  restartLongWal();
  if (after) handle(after);
}

/**
 * Commits that follow each other without a pause keep the checkpoint thread from ever copying
 * the WAL's last frame, and the WAL is only started over once every frame is copied: under
 * steady ingest it grew by about 100 MB a second. Past `walRestartBytes` the writer, which adds
 * the frames (the main thread writes only while it is paused), copies what is left between two
 * commits (the checkpoint thread has done the rest), and its next commit starts the WAL over
 * unless a reader still needs it.
 */
function restartLongWal(): void {
  if (Atomics.load(walFrames, 0) < restartFrames) return;
  Atomics.store(walFrames, 0, 0);
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy (the checkpoint thread is copying): it reports the length again after its run.
  }
}

function handle(request: WriterRequest): void {
  if (locked && request.op !== 'unlock') {
    waiting.push(request);
    return;
  }
  switch (request.op) {
    case 'append':
      appendQueued(request);
      return;
    case 'lock':
      locked = true;
      reply({ id: request.id, ok: true });
      return;
    case 'unlock':
      locked = false;
      while (!locked && waiting.length) handle(waiting.shift()!);
      return;
    case 'close':
      db.close();
      reply({ id: request.id, ok: true });
      port.close();
      return;
  }
}

port.on('message', handle);
