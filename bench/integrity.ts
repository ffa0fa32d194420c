import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { createEnricher } from '../src/enrich/enricher.js';
import { openStore } from '../src/store/open-store.js';
import { createBackgroundServices } from '../src/workers/background-services.js';
import {
  api,
  argValue,
  BATCH100_BODY,
  createOrgWithKey,
  freshDatabase,
  ingestLoad,
  percentile,
  report,
  sampleEvent,
  startServer,
  waitForCheckpoints,
} from './lib.js';
import { seed } from './seed.js';
import { verifyColumnsBenchmark } from './verify-columns.js';

/**
 * `npm run bench:integrity [-- --backend=postgres] [--only=verify,checkpointing,purge,columns]
 *   [--events=1000000] [--seconds=10] [--rate=1000] [--rounds=5]`
 *
 * - verify: one org of `--events` events; the server signs its checkpoints, then
 *   `POST /v1/chain/verify` (online) and `trailmark verify` on the `with_proof=1` JSONL export
 *   (offline, its own process, against the public keys alone) are timed.
 * - checkpointing: 100-event batch ingest with the checkpointer off and on, alternated
 *   `--rounds` times on fresh databases; the medians and their ratio, and the median of each
 *   round's ratio (on this machine's drifting speed, the runs of one round are the closest).
 * - columns (not run by default): the verifier's walk in-process with and without checking
 *   each event's stored columns against its body, on min(`--events`, 200,000) events
 *   (verify-columns.ts).
 * - purge: `--events` events received and checkpointed 100 days ago, a server with the default
 *   90-day retention; single-event ingest paced at `--rate` events/s runs before and during
 *   the purge, and the latency percentiles of each phase are printed.
 */
const backend = argValue('backend', 'sqlite');
const only = new Set(argValue('only', 'verify,checkpointing,purge').split(','));
const events = Number(argValue('events', '1000000'));
const seconds = Number(argValue('seconds', '10'));
const rate = Number(argValue('rate', '1000'));
const rounds = Number(argValue('rounds', '5'));
const ROOT = new URL('..', import.meta.url).pathname;
const DAY = 24 * 60 * 60 * 1000;

async function readKey(url: string, org: string): Promise<string> {
  const created = await api(url, `/v1/orgs/${org}/api-keys`, {
    method: 'POST',
    json: { name: 'bench', scopes: ['events:read', 'events:write'] },
  });
  return created.key as string;
}

interface ChainStatus {
  head: { seq: number };
  checkpoint: { seq: number } | null;
  anchor: { seq: number };
}

async function verifyBenchmark(): Promise<void> {
  const db = await freshDatabase(backend);
  const dir = mkdtempSync(join(tmpdir(), 'trailmark-bench-verify-'));
  try {
    await seed(db.url, { orgs: { bench_verify: events }, days: 29 });
    const server = await startServer(db.url, 3921);
    try {
      const key = await readKey(server.url, 'bench_verify');
      const signing = await waitForCheckpoints(server.url, key, events);
      report(`checkpoint_catchup_${backend}`, Math.round(events / signing), 'events/s');

      let started = performance.now();
      const online = await api(server.url, '/v1/chain/verify', { method: 'POST', key, json: {} });
      const onlineSeconds = (performance.now() - started) / 1000;
      if (online.ok !== true) throw new Error(`online verification failed: ${JSON.stringify(online)}`);
      report(`verify_online_${backend}`, Math.round(Number(online.checked) / onlineSeconds), 'events/s');

      const file = join(dir, 'export.jsonl');
      const keysFile = join(dir, 'jwks.json');
      started = performance.now();
      const res = await fetch(`${server.url}/v1/events/export.jsonl?with_proof=1`, {
        headers: { authorization: `Bearer ${key}` },
      });
      if (!res.ok || !res.body) throw new Error(`export: ${res.status}`);
      await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file));
      report(
        `export_jsonl_with_proof_${backend}`,
        Math.round(events / ((performance.now() - started) / 1000)),
        'rows/s',
      );
      writeFileSync(keysFile, JSON.stringify(await api(server.url, '/v1/signing-keys')));

      started = performance.now();
      const out = execFileSync(
        process.execPath,
        [join(ROOT, 'bin/trailmark.js'), 'verify', file, '--public-key', keysFile, '--json'],
        { encoding: 'utf8', maxBuffer: 1 << 26 },
      );
      const offlineSeconds = (performance.now() - started) / 1000;
      const offline = JSON.parse(out) as { ok: boolean; checked: number };
      if (!offline.ok) throw new Error(`offline verification failed: ${out}`);
      report(`verify_offline_${backend}`, Math.round(offline.checked / offlineSeconds), 'events/s');
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

async function ingestRate(checkpointer: 'on' | 'off', port: number): Promise<number> {
  const db = await freshDatabase(backend);
  const server = await startServer(db.url, port, { TRAILMARK_CHECKPOINTER: checkpointer });
  try {
    const key = await createOrgWithKey(server.url, 'bench_cp');
    const result = await ingestLoad(server.url, key, BATCH100_BODY, seconds);
    if (checkpointer === 'on') {
      const chain = (await api(server.url, '/v1/chain', { key })) as unknown as ChainStatus;
      const behind = chain.head.seq - (chain.checkpoint?.seq ?? 0);
      report(`checkpointing_unsigned_after_run_${backend}`, behind, 'events');
    }
    return (result['2xx'] * 100) / result.duration;
  } finally {
    await server.stop();
    await db.drop();
  }
}

async function checkpointingBenchmark(): Promise<void> {
  const rates: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['off', 'on'] as const) rates[mode].push(await ingestRate(mode, 3922));
    report(`checkpointing_round_off_${backend}`, Math.round(rates.off[round]!), 'events/s');
    report(`checkpointing_round_on_${backend}`, Math.round(rates.on[round]!), 'events/s');
  }
  const median = (xs: number[]) => percentile(xs, 50);
  const paired = rates.on.map((on, round) => on / rates.off[round]!);
  report(`checkpointing_vs_off_paired_${backend}`, Number(median(paired).toFixed(3)), 'ratio');
  report(`ingest_batch100_checkpointer_off_${backend}`, Math.round(median(rates.off)), 'events/s');
  report(`ingest_batch100_checkpointer_on_${backend}`, Math.round(median(rates.on)), 'events/s');
  report(
    `checkpointing_vs_off_${backend}`,
    Number((median(rates.on) / median(rates.off)).toFixed(3)),
    'ratio',
  );
}

/** Single-event requests at a steady rate; every latency kept, with the time it was sent. */
function pacedIngest(url: string, key: string, perSecond: number) {
  const samples: Array<{ at: number; ms: number }> = [];
  let failures = 0;
  let stopped = false;
  const workers = 16;
  const gap = (1000 * workers) / perSecond;
  const body = JSON.stringify(sampleEvent(3));
  const loops = Array.from({ length: workers }, async (_, w) => {
    await sleep((gap * w) / workers);
    let next = performance.now();
    while (!stopped) {
      const at = performance.now();
      const res = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
      if (res.status === 201) samples.push({ at, ms: performance.now() - at });
      else failures += 1;
      next += gap;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
  });
  return {
    samples,
    failures: () => failures,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

async function purgeBenchmark(): Promise<void> {
  const db = await freshDatabase(backend);
  try {
    // Events and checkpoints from 100 days ago: all of them past the default 90-day retention.
    const past = () => new Date(Date.now() - 100 * DAY);
    await seed(db.url, { orgs: { bench_purge: events }, days: 1, receivedAt: past });
    const store = await openStore(db.url);
    await store.migrate();
    const services = await createBackgroundServices(
      store,
      {
        secret: undefined,
        checkpointEveryEvents: 1000,
        checkpointMaxAgeMs: 60_000,
        checkpointIntervalMs: 60_000,
        retentionIntervalMs: 3_600_000,
      },
      { log: pino({ level: 'silent' }), enricher: createEnricher(), now: past },
    );
    await services.checkpointer.signAll();
    await services.stop();
    await store.close();

    const server = await startServer(db.url, 3923);
    const startedAt = performance.now();
    try {
      const key = await readKey(server.url, 'bench_purge');
      const load = pacedIngest(server.url, key, rate);
      let purgeStart: number | undefined;
      let purgeEnd: number | undefined;
      let purged = 0;
      while (purgeEnd === undefined) {
        await sleep(100);
        const chain = (await api(server.url, '/v1/chain', { key })) as unknown as ChainStatus;
        if (purgeStart === undefined && chain.anchor.seq > 1) purgeStart = performance.now();
        const done = await api(server.url, '/v1/events?action=retention.purged&limit=1', { key });
        const event = (done.data as Array<{ metadata: { count: number } }>)[0];
        if (event) {
          purgeEnd = performance.now();
          purged = event.metadata.count;
        }
        if (performance.now() - startedAt > 30 * 60_000) throw new Error('no purge within 30 minutes');
      }
      await load.stop();
      const begin = purgeStart ?? startedAt + 10_000;
      const before = load.samples.filter((s) => s.at > startedAt + 2000 && s.at < begin).map((s) => s.ms);
      const during = load.samples.filter((s) => s.at >= begin && s.at <= purgeEnd).map((s) => s.ms);
      report(`purge_events_${backend}`, purged, 'events');
      report(`purge_rate_${backend}`, Math.round(purged / ((purgeEnd - begin) / 1000)), 'events/s');
      report(`purge_ingest_requests_${backend}`, during.length, 'requests');
      report(`purge_ingest_failures_${backend}`, load.failures(), 'requests');
      report(`ingest_p50_before_purge_${backend}`, percentile(before, 50), 'ms');
      report(`ingest_p99_before_purge_${backend}`, percentile(before, 99), 'ms');
      report(`ingest_p50_during_purge_${backend}`, percentile(during, 50), 'ms');
      report(`ingest_p99_during_purge_${backend}`, percentile(during, 99), 'ms');
      report(`ingest_max_during_purge_${backend}`, percentile(during, 100), 'ms');
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}

execFileSync(
  process.execPath,
  [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);
if (only.has('verify')) await verifyBenchmark();
if (only.has('checkpointing')) await checkpointingBenchmark();
if (only.has('purge')) await purgeBenchmark();
if (only.has('columns')) verifyColumnsBenchmark(Math.min(events, 200_000), rounds);
