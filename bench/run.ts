import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runAlertsBenchmark } from './alerts.js';
import { bareSqliteRate } from './bare-sqlite.js';
import {
  api,
  argValue,
  BATCH100_BODY,
  createOrgWithKey,
  freshDatabase,
  ingestLoad,
  report,
  sampleEvent,
  startServer,
  waitForCheckpoints,
} from './lib.js';
import { realisticEvent } from './population.js';
import { runExportBenchmark, runQueryBenchmarks } from './query.js';
import { runScaleBenchmarks } from './scale.js';
import { runSdkBenchmark } from './sdk.js';
import { seededDatabase } from './seed-cache.js';
import { runSignInBenchmark } from './sign-in.js';
import { runStreamsBenchmark } from './streams.js';

/**
 * `npm run bench [-- --backend=postgres|sqlite,postgres] [--only=ingest,query,export,sdk,sign-in,alerts,streams]
 *   [--events=1000000] [--rounds=100] [--reseed] [--drop-seed] [--sdk-concurrency=32] [--sdk-batch=100] [--sdk-rounds=3] [--nodes=3]`
 * Starts the real server (compiled, as in production) and prints `BENCH name value unit` lines.
 * `query` and `export` run on one org of `--events` events and nine of a tenth of that, seeded
 * once and kept in `.bench/cache` (see seed-cache.ts; `--reseed` seeds again, `--drop-seed`
 * removes it afterwards).
 * `sdk` (not run by default) measures one SDK process against the server's own batch rate,
 *   `--sdk-rounds` times each, alternating, the SDK sending `--sdk-batch` events a request (bench/sdk.ts);
 * `sign-in` (not run by default) how long a wrong password and an unknown email take to refuse.
 * `alerts` (not run by default) ingest with every detector and 20 rules against detectors off,
 * and the alerts consumer's lag (bench/alerts.ts).
 * `streams` (not run by default) one webhook stream per format beside full-rate ingest: its lag,
 * and each format's delivered events/s (bench/streams.ts).
 * `--nodes=N` (PostgreSQL) also measures ingest into one org through N server processes on the
 * same database, the 50 connections shared among them.
 */
const backends = argValue('backend', 'sqlite').split(',');
const only = new Set(argValue('only', 'ingest,query,export').split(','));
const seconds = Number(argValue('seconds', '15'));
const bigOrg = Number(argValue('events', '1000000'));
const sdkConcurrency = Number(argValue('sdk-concurrency', '32'));
const sdkRounds = Number(argValue('sdk-rounds', '3'));
const sdkBatch = Number(argValue('sdk-batch', '100'));
const rounds = Number(argValue('rounds', '100'));
const nodes = Number(argValue('nodes', '1'));
const ROOT = new URL('..', import.meta.url).pathname;

async function ingest(backend: string): Promise<number> {
  const db = await freshDatabase(backend);
  const server = await startServer(db.url, 3901);
  let batchRate = 0;
  try {
    const key = await createOrgWithKey(server.url, 'bench_ingest');
    const bodies = [
      ['batch100', BATCH100_BODY, 100],
      ['single', JSON.stringify(sampleEvent(7)), 1],
    ] as const;
    for (const [name, body, perRequest] of bodies) {
      const result = await ingestLoad(server.url, key, body, seconds);
      if (result.non2xx > 0 || result.errors > 0) {
        process.stderr.write(`ingest ${name}: ${result.non2xx} non-2xx responses, ${result.errors} errors\n`);
      }
      const rate = Math.round((result['2xx'] * perRequest) / result.duration);
      if (name === 'batch100') batchRate = rate;
      report(`ingest_${name}_${backend}`, rate, 'events/s');
      report(`ingest_${name}_p99_${backend}`, result.latency.p99, 'ms');
    }
    report(`ingest_server_rss_${backend}`, Math.round(server.rssMiB()), 'MiB');
  } finally {
    await server.stop();
    await db.drop();
  }
  const alertsOff = await batchRateWithoutAlerts(backend);
  report(`ingest_batch100_alerts_off_${backend}`, alertsOff, 'events/s');
  report(`ingest_batch100_vs_alerts_off_${backend}`, Number((batchRate / alertsOff).toFixed(2)), 'ratio');
  if (nodes > 1 && backend === 'postgres') await ingestOnNodes(backend, nodes, batchRate);
  if (backend === 'sqlite') {
    const dir = await freshDatabase('sqlite');
    const bare = Math.round(await bareSqliteRate(dir.url, 200_000));
    await dir.drop();
    report('ingest_bare_loop_sqlite', bare, 'events/s');
    report('ingest_batch100_vs_bare_sqlite', Number((batchRate / bare).toFixed(2)), 'ratio');
  }
  return batchRate;
}

/**
 * The batch figure again with TRAILMARK_ALERTS=off: what the alerts consumer (on by default,
 * reading and parsing every event after it is stored) costs ingest. The sample's
 * `api_key.created` events, one in ten, each raise an alert of their own when it runs.
 */
async function batchRateWithoutAlerts(backend: string): Promise<number> {
  const db = await freshDatabase(backend);
  const server = await startServer(db.url, 3902, { TRAILMARK_ALERTS: 'off' });
  try {
    const key = await createOrgWithKey(server.url, 'bench_ingest');
    const result = await ingestLoad(server.url, key, BATCH100_BODY, seconds);
    return Math.round((result['2xx'] * 100) / result.duration);
  } finally {
    await server.stop();
    await db.drop();
  }
}

/** 100-event batches into one org through `count` processes on one database, against one's rate. */
async function ingestOnNodes(backend: string, count: number, oneNode: number): Promise<void> {
  const db = await freshDatabase(backend);
  const servers = [];
  try {
    // The first migrates; the others start on the migrated database.
    servers.push(await startServer(db.url, 3901));
    for (let n = 1; n < count; n++) servers.push(await startServer(db.url, 3901 + n));
    const key = await createOrgWithKey(servers[0]!.url, 'bench_nodes');
    const per = Math.ceil(50 / count);
    const results = await Promise.all(
      servers.map((s) => ingestLoad(s.url, key, BATCH100_BODY, seconds, per)),
    );
    const failed = results.reduce((n, r) => n + r.non2xx + r.errors, 0);
    if (failed > 0) process.stderr.write(`ingest on ${count} nodes: ${failed} failed requests\n`);
    const rate = Math.round(results.reduce((n, r) => n + (r['2xx'] * 100) / r.duration, 0));
    report(`ingest_batch100_${count}nodes_${backend}`, rate, 'events/s');
    report(`ingest_batch100_${count}nodes_vs_1_${backend}`, Number((rate / oneNode).toFixed(2)), 'ratio');
  } finally {
    for (const server of servers) await server.stop();
    await db.drop();
  }
}

async function queries(backend: string): Promise<void> {
  const plan: Record<string, number> = { bench_big: bigOrg };
  for (let i = 1; i <= 9; i++) plan[`bench_other_${i}`] = Math.round(bigOrg / 10);
  const db = await seededDatabase(
    backend,
    { orgs: plan, days: 29, generate: realisticEvent, commit: 10_000 },
    'realistic',
    process.argv.includes('--reseed'),
  );
  try {
    report(`seed_rate_${backend}`, db.seedRate, 'events/s');
    // Alerts off: over a freshly seeded database the alerts consumer would first read every
    // seeded event beside the requests measured, and the alerts it raised would be appended to
    // the cached seed, so that the next run reads other data. Its cost is the ingest figures'.
    const server = await startServer(db.url, 3902, { TRAILMARK_ALERTS: 'off' });
    try {
      report(`idle_server_rss_${backend}`, Math.round(server.rssMiB()), 'MiB');
      const key = (
        await api(server.url, '/v1/orgs/bench_big/api-keys', {
          method: 'POST',
          json: { name: 'bench reader', scopes: ['events:read'] },
        })
      ).key as string;
      // Measure the steady state: the checkpointer first signs the seeded events.
      const signing = await waitForCheckpoints(server.url, key, bigOrg - (bigOrg % 1000));
      if (!db.reused) report(`checkpoint_catchup_${backend}`, Math.round(db.events / signing), 'events/s');
      if (only.has('query')) {
        await runQueryBenchmarks(server.url, key, backend);
        await runScaleBenchmarks(server.url, key, backend, rounds);
      }
      if (only.has('export')) await runExportBenchmark(server.url, key, backend, () => server.rssMiB());
    } finally {
      await server.stop();
    }
  } finally {
    if (process.argv.includes('--drop-seed')) await db.drop();
  }
}

execFileSync(
  process.execPath,
  [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);
for (const backend of backends) {
  if (only.has('ingest')) await ingest(backend);
  if (only.has('query') || only.has('export')) await queries(backend);
  if (only.has('sdk'))
    await runSdkBenchmark(backend, { seconds, concurrency: sdkConcurrency, batch: sdkBatch }, sdkRounds);
  if (only.has('sign-in')) await runSignInBenchmark(backend);
  if (only.has('alerts')) await runAlertsBenchmark(backend, seconds);
  if (only.has('streams')) {
    await runStreamsBenchmark(backend, seconds, argValue('formats', 'native,ocsf,cef').split(','));
  }
}
