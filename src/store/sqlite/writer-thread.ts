import { parentPort, workerData } from 'node:worker_threads';
import { SqliteAppender } from './sqlite-append.js';
import { openConnection } from './sqlite-connection.js';
import type { WriterOptions, WriterRequest, WriterResponse } from './writer-protocol.js';

/**
 * The SQLite ingest writer. It runs on its own thread so that linking, hashing and inserting
 * events (the cost of a commit) overlap with the main thread's HTTP parsing and validation.
 * It handles one message at a time; while the main thread holds the lock, appends wait here.
 */
const options = workerData as WriterOptions;
const port = parentPort!;
const db = openConnection(options.path, { cacheMiB: options.cacheMiB, role: 'writer' });
const appender = new SqliteAppender(db);
const appendAll = db.transaction((request: Extract<WriterRequest, { op: 'append' }>) =>
  appender.appendAll(request.batches),
);

let locked = false;
const waiting: WriterRequest[] = [];

function reply(response: WriterResponse): void {
  port.postMessage(response);
}

function handle(request: WriterRequest): void {
  if (locked && request.op !== 'unlock') {
    waiting.push(request);
    return;
  }
  switch (request.op) {
    case 'append':
      try {
        reply({ id: request.id, ok: true, outcomes: appendAll.immediate(request) });
      } catch (error) {
        reply({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) });
      }
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
