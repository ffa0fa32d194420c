import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  BATCH100_BODY,
  clientIdBatch100Body,
  createOrgWithKey,
  freshDatabase,
  ingestLoad,
  report,
  startServer,
} from './lib.js';

const ROOT = new URL('..', import.meta.url).pathname;

/** Starts a server on a fresh database, runs `measure` against it with a new org's key, stops it. */
async function onFreshServer<T>(
  backend: string,
  measure: (url: string, key: string) => Promise<T>,
): Promise<T> {
  const db = await freshDatabase(backend);
  const server = await startServer(db.url, 3903);
  try {
    return await measure(server.url, await createOrgWithKey(server.url, 'bench_sdk'));
  } finally {
    await server.stop();
    await db.drop();
  }
}

/**
 * The Acceptance's SDK figure: one SDK process (its own process, 100-event batches) sending as
 * fast as the server acknowledges, beside the server's own 100-event batch rate from the same
 * run (autocannon, 50 connections), each on a fresh server and database. `serverRate` is that
 * figure when the ingest benchmark of this run measured it already. Also the server's rate for
 * the same events as the SDK sends them (an id and a time each), which tells the server's cost
 * of client-chosen ids apart from the SDK's own.
 */
export async function runSdkBenchmark(
  backend: string,
  seconds: number,
  concurrency: number,
  serverRate?: number,
): Promise<void> {
  let server = serverRate;
  if (server === undefined) {
    server = await onFreshServer(backend, async (url, key) => {
      const result = await ingestLoad(url, key, BATCH100_BODY, seconds);
      return Math.round((result['2xx'] * 100) / result.duration);
    });
    report(`ingest_batch100_${backend}`, server, 'events/s');
  }
  const withIds = await onFreshServer(backend, async (url, key) => {
    const result = await ingestLoad(url, key, clientIdBatch100Body, seconds);
    return Math.round((result['2xx'] * 100) / result.duration);
  });
  report(`ingest_batch100_client_ids_${backend}`, withIds, 'events/s');
  const sent = await onFreshServer(backend, async (url, key) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench/sdk-sender.ts'), url, key, String(seconds), String(concurrency)],
      { cwd: ROOT, encoding: 'utf8' },
    );
    return JSON.parse(stdout) as { events: number; seconds: number; cpuSeconds: number; retries: number };
  });
  const rate = Math.round(sent.events / sent.seconds);
  report(`sdk_ingest_batch_${backend}`, rate, 'events/s');
  report(`sdk_vs_server_batch_${backend}`, Number((rate / server).toFixed(2)), 'ratio');
  report(`sdk_vs_server_client_ids_${backend}`, Number((rate / withIds).toFixed(2)), 'ratio');
  // The SDK process's own cost: how much of a core a given ingest rate takes from the application.
  report(`sdk_cpu_per_event_${backend}`, Number(((sent.cpuSeconds * 1e6) / sent.events).toFixed(1)), 'us');
  if (sent.retries > 0) process.stderr.write(`sdk: ${sent.retries} retries during the run\n`);
}
