import { Worker } from 'node:worker_threads';
import { setDetectors } from './alerts.js';
import {
  api,
  BATCH100_BODY,
  createOrgWithKey,
  freshDatabase,
  ingestLoad,
  report,
  startServer,
} from './lib.js';

/**
 * `npm run bench -- --only=streams [--seconds=15] [--formats=native,ocsf,cef]`: one webhook stream per format (native, OCSF,
 * CEF) to a receiver on 127.0.0.1, each on a fresh database:
 * - under load: ingest at the batch benchmark's rate (100-event batches, 50 connections) while
 *   the stream delivers; the stream's largest lag (GET /v1/streams/{id}, sampled every 250 ms;
 *   target < 5 s), how long it took to catch up after the load, and the ingest rate beside it;
 * - draining: a second stream created from the beginning of that log delivers all of it; its
 *   delivered events/s is the format's throughput.
 * Each with the default batches (500 events, 1 MiB a request) and with large ones (5,000 events,
 * 8 MiB), as a receiver that takes them would be set up (`_large_batches`).
 * The detectors are off so that only the stream reads the log beside ingest.
 */

const FORMATS = ['native', 'ocsf', 'cef'] as const;
/** The receiver's paths, each counted in its own slot. */
const PATHS = ['/live', '/drain'] as const;

/**
 * What runs on the receiver's thread: an HTTP server counting the NDJSON lines it is sent per
 * path (into shared memory) and answering 204. indexOf scans natively; byte by byte in
 * JavaScript, counting took milliseconds a request.
 */
const RECEIVER_THREAD = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const counts = new Int32Array(workerData.counts);
const server = createServer((request, response) => {
  let count = 0;
  request.on('data', (chunk) => {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) count++;
  });
  request.on('end', () => {
    const slot = workerData.paths.indexOf(request.url);
    if (slot >= 0) Atomics.add(counts, slot, count);
    response.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
`;

/**
 * A webhook receiver counting the lines each stream delivered (by the stream's path), on a thread
 * of its own: it stands for a SIEM on another machine, so it does not wait for turns of the
 * event loop the load generator's 50 connections keep busy.
 */
class CountingReceiver {
  private readonly counts = new Int32Array(new SharedArrayBuffer(4 * PATHS.length));
  private readonly thread = new Worker(RECEIVER_THREAD, {
    eval: true,
    workerData: { counts: this.counts.buffer, paths: PATHS },
  });

  lines(path: (typeof PATHS)[number]): number {
    return Atomics.load(this.counts, PATHS.indexOf(path));
  }

  async start(): Promise<string> {
    const port = await new Promise<number>((resolve) => this.thread.once('message', resolve));
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.thread.once('exit', resolve));
    this.thread.postMessage('close');
    await exited;
  }
}

interface Delivery {
  lag_events: number;
  lag_seconds: number;
}

async function delivery(url: string, id: string): Promise<Delivery> {
  return (await api(url, `/v1/streams/${id}?org=bench_streams`)).delivery as Delivery;
}

async function createStream(
  url: string,
  receiver: string,
  format: string,
  path: string,
  startFrom: string,
  batch: Record<string, number> | undefined,
) {
  const stream = await api(url, '/v1/streams?org=bench_streams', {
    method: 'POST',
    json: {
      name: `${format} ${path}`,
      format,
      destination: { type: 'webhook', url: `${receiver}${path}` },
      start_from: startFrom,
      ...(batch ? { batch } : {}),
    },
  });
  return stream.id as string;
}

/** Waits until the stream has delivered everything; the seconds it took. */
async function caughtUp(url: string, id: string, limitMs = 300_000): Promise<number> {
  const started = performance.now();
  while ((await delivery(url, id)).lag_events > 0) {
    if (performance.now() - started > limitMs) throw new Error(`stream ${id} did not catch up`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (performance.now() - started) / 1000;
}

/** The stream's batches: the defaults (500 events, 1 MiB), or large ones for a receiver that takes them. */
const BATCHES: [name: string, batch: Record<string, number> | undefined][] = [
  ['', undefined],
  ['_large_batches', { max_events: 5000, max_bytes: 8 * 1024 * 1024 }],
];

async function runFormat(
  backend: string,
  format: string,
  seconds: number,
  port: number,
  [variant, batch]: (typeof BATCHES)[number],
): Promise<void> {
  const db = await freshDatabase(backend);
  const server = await startServer(db.url, port);
  const receiver = new CountingReceiver();
  const receiverUrl = await receiver.start();
  try {
    const key = await createOrgWithKey(server.url, 'bench_streams');
    await setDetectors(server.url, 'bench_streams', false);
    const live = await createStream(server.url, receiverUrl, format, '/live', 'now', batch);
    let maxLag = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxLag = Math.max(maxLag, (await delivery(server.url, live)).lag_seconds);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    const load = await ingestLoad(server.url, key, BATCH100_BODY, seconds);
    sampling = false;
    await sampler;
    if (load.non2xx > 0 || load.errors > 0) {
      process.stderr.write(`streams bench: ${load.non2xx} non-2xx responses, ${load.errors} errors\n`);
    }
    const catchUp = await caughtUp(server.url, live);
    report(
      `streams_ingest_with_stream_${format}${variant}_${backend}`,
      Math.round((load['2xx'] * 100) / load.duration),
      'events/s',
    );
    report(`streams_max_lag_${format}${variant}_${backend}`, Number(maxLag.toFixed(2)), 's');
    report(`streams_catch_up_${format}${variant}_${backend}`, Number(catchUp.toFixed(2)), 's');

    const logged = receiver.lines('/live');
    const started = performance.now();
    const drain = await createStream(server.url, receiverUrl, format, '/drain', 'beginning', batch);
    await caughtUp(server.url, drain);
    const drained = receiver.lines('/drain');
    const rate = drained / ((performance.now() - started) / 1000);
    if (drained < logged)
      throw new Error(`the drain stream delivered ${drained} of at least ${logged} events`);
    report(`streams_delivered_${format}${variant}_${backend}`, Math.round(rate), 'events/s');
  } finally {
    await receiver.close();
    await server.stop();
    await db.drop();
  }
}

export async function runStreamsBenchmark(
  backend: string,
  seconds: number,
  formats: readonly string[] = FORMATS,
): Promise<void> {
  let port = 3921;
  for (const variant of BATCHES) {
    for (const format of formats) await runFormat(backend, format, seconds, port++, variant);
  }
}
