import { execFile, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  BATCH100_BODY,
  clientIdBatch100Body,
  createOrgWithKey,
  freshDatabase,
  ingestLoad,
  percentile,
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

type Load = 'server' | 'clientIds' | 'sdk';
const LOADS: Load[] = ['server', 'clientIds', 'sdk'];

interface SenderResult {
  events: number;
  seconds: number;
  cpuSeconds: number;
  retries: number;
}

/** How the SDK process sends: for how long, how many requests at once, events per request. */
export interface SenderLoad {
  seconds: number;
  concurrency: number;
  batch: number;
}

/** Runs bench/sdk-sender.ts against `url` (on the given CPUs when `cpus` is set). */
async function runSender(url: string, key: string, load: SenderLoad, cpus?: string) {
  const sender = [
    process.execPath,
    '--import',
    'tsx',
    join(ROOT, 'bench/sdk-sender.ts'),
    url,
    key,
    String(load.seconds),
    String(load.concurrency),
    String(load.batch),
  ];
  const [command, ...args] = cpus === undefined ? sender : ['taskset', '-c', cpus, ...sender];
  const { stdout } = await promisify(execFile)(command!, args, { cwd: ROOT, encoding: 'utf8' });
  const sent = JSON.parse(stdout) as SenderResult;
  if (sent.retries > 0) process.stderr.write(`sdk: ${sent.retries} retries during the run\n`);
  return { rate: Math.round(sent.events / sent.seconds), cpuPerEvent: (sent.cpuSeconds * 1e6) / sent.events };
}

/**
 * What one SDK process can send on one core: the sender pinned to CPU 1, against a receiver in
 * this process pinned to CPU 0 that reads each request and answers at once with the
 * acknowledgement of a batch, as the server words it (which the SDK parses). Not Trailmark's
 * rate: the SDK's ceiling, with nothing else on its core.
 */
async function sdkCeiling(load: SenderLoad) {
  const ack = JSON.stringify({
    events: Array.from({ length: load.batch }, (_, i) => ({
      id: `evt_01jz${String(i).padStart(22, '0')}`,
      seq: 1_000_000 + i,
      hash: 'a'.repeat(64),
      duplicate: false,
    })),
  });
  const receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(ack);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  const pin = (cpus: string) =>
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
  // Counted before pinning: availableParallelism() follows this process's affinity.
  const cpus = availableParallelism();
  pin('0');
  try {
    return await runSender(`http://127.0.0.1:${port}`, 'tmk_ceiling', load, '1');
  } finally {
    pin(`0-${cpus - 1}`);
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}

/** One load's events acknowledged per second, on a fresh server and database. */
async function measure(backend: string, load: Load, sender: SenderLoad) {
  return onFreshServer(backend, async (url, key) => {
    if (load !== 'sdk') {
      const body = load === 'server' ? BATCH100_BODY : clientIdBatch100Body;
      const result = await ingestLoad(url, key, body, sender.seconds);
      return { rate: Math.round((result['2xx'] * 100) / result.duration), cpuPerEvent: undefined };
    }
    return runSender(url, key, sender);
  });
}

/** The middle value (of an even number, the upper of the two middle ones). */
function median(values: number[]): number {
  return percentile(values, 50);
}

/** sdk_one_core_max, once this run has measured it. */
let ceiling: number | undefined;

/**
 * The Acceptance's SDK figure: one SDK process (its own process, 100-event batches) sending as
 * fast as the server acknowledges, beside the server's own 100-event batch rate (autocannon,
 * 50 connections), and the server's rate for the same events as the SDK sends them (an id and a
 * time each), which tells the server's cost of client-chosen ids apart from the SDK's own. Each
 * figure on a fresh server and database. One run of each moved by a fifth between runs of one
 * build on this machine, so `rounds` rounds measure all three, in an order rotated each round
 * (a machine growing busier or quieter weighs on each alike), and the medians are reported.
 * With `sender.batch` other than 100 (the SDK's default is 500), the SDK's figures are named
 * with it (`sdk_ingest_batch_sdk500_sqlite`); the server's stay those of 100-event batches.
 */
export async function runSdkBenchmark(backend: string, sender: SenderLoad, rounds: number): Promise<void> {
  const named = (name: string) => (sender.batch === 100 ? name : `${name}_sdk${sender.batch}`);
  const rates: Record<Load, number[]> = { server: [], clientIds: [], sdk: [] };
  const cpu: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = LOADS.map((_, i) => LOADS[(i + round) % LOADS.length]!);
    for (const load of order) {
      const { rate, cpuPerEvent } = await measure(backend, load, sender);
      rates[load].push(rate);
      if (cpuPerEvent !== undefined) cpu.push(cpuPerEvent);
    }
    process.stderr.write(
      `sdk round ${round + 1}/${rounds}: server ${rates.server.at(-1)}, client ids ${rates.clientIds.at(-1)}, ` +
        `sdk ${rates.sdk.at(-1)} events/s\n`,
    );
  }
  const server = median(rates.server);
  const withIds = median(rates.clientIds);
  const sdk = median(rates.sdk);
  report(`sdk_server_batch100_${backend}`, Math.round(server), 'events/s');
  report(`sdk_server_batch100_client_ids_${backend}`, Math.round(withIds), 'events/s');
  report(`${named('sdk_ingest_batch')}_${backend}`, Math.round(sdk), 'events/s');
  report(`${named('sdk_vs_server_batch')}_${backend}`, Number((sdk / server).toFixed(2)), 'ratio');
  report(`${named('sdk_vs_server_client_ids')}_${backend}`, Number((sdk / withIds).toFixed(2)), 'ratio');
  // The SDK process's own cost: how much of a core a given ingest rate takes from the application.
  report(`${named('sdk_cpu_per_event')}_${backend}`, Number(median(cpu).toFixed(1)), 'us');
  if (availableParallelism() < 2) {
    process.stderr.write('sdk: one CPU only, so no ceiling on a core of its own (sdk_one_core_max)\n');
    return;
  }
  // The ceiling does not depend on the backend: measured and reported once per run.
  if (ceiling === undefined) {
    ceiling = (await sdkCeiling(sender)).rate;
    report(named('sdk_one_core_max'), ceiling, 'events/s');
  }
  report(
    `${named('sdk_one_core_max_vs_server_batch')}_${backend}`,
    Number((ceiling / server).toFixed(2)),
    'ratio',
  );
}
