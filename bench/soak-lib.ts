import { countLines, percentile } from './lib.js';
import { PROBES } from './population.js';
import { Acknowledged, checkNothingLost } from './soak-check.js';

/**
 * The soak (issue 18, item 5): 100-event batches paced at `rate` events/s for `seconds`, while
 * queries, small exports and chain verifications run beside them; the server's RSS and storage
 * sampled every `sampleSeconds`; at the end every acknowledged event looked for in a full export.
 * Shared by `npm run soak` and the suite's short variant (test/soak/soak.test.ts).
 */
export interface SoakOptions {
  url: string;
  /** A key with events:write and events:read on the org under load. */
  key: string;
  seconds: number;
  rate: number;
  /** The server's resident set size in MiB. */
  rssMiB(): number;
  /**
   * The server's V8 heap in use and its search index cache, in MiB: with RSS they tell the
   * JavaScript heap (where a leak would show) from native memory, and within it the search
   * cache, which grows with the org searched up to its bound (as SQLite's page caches fill to theirs).
   */
  memoryMiB?(): Promise<{ heapMiB: number; searchCacheMiB: number }>;
  /** Bytes the database holds on disk, and WAL bytes written since the start (as the backend tells). */
  storage(): Promise<{ database: number; wal: number }>;
  sampleSeconds?: number;
  /** Width of the latency buckets reported over time (default 60 s). */
  bucketSeconds?: number;
  log?: (line: string) => void;
}

export interface SoakSample {
  at: number;
  rssMiB: number;
  heapMiB?: number;
  searchCacheMiB?: number;
  database: number;
  wal: number;
}

export interface SoakResult {
  offered: number;
  acknowledged: number;
  /** 503s (with Retry-After) and network errors: retried, never acknowledged twice. */
  refused: number;
  /** Other answers: requests the server refused outright. */
  failed: number;
  lost: number;
  /** p99 ingest latency in ms per bucket of `bucketSeconds`. */
  p99ByBucket: number[];
  p99: number;
  samples: SoakSample[];
  /** `byKind`: each request of the query loop's p95 (ms), keyed by a short name. */
  queries: { done: number; failed: number; p95: number; byKind: Record<string, number> };
  exports: { done: number; failed: number; rows: number };
  verifications: { done: number; failed: number };
  serverAlive: boolean;
}

const BATCH = 100;
const MAX_IN_FLIGHT = 64;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function batchBody(variant: number): string {
  const events = Array.from({ length: BATCH }, (_, i) => {
    const n = variant * BATCH + i;
    return {
      action: i % 3 === 0 ? 'document.viewed' : 'user.login',
      actor: { type: 'user', id: `usr_${n % 997}`, email: `user${n % 997}@example.com` },
      resource: { type: 'document', id: `document_${n}`, name: `document ${n}` },
      workspace: `ws_${n % 13}`,
      status: n % 25 === 0 ? 'failure' : 'success',
      description: `soak event ${n} ${'x'.repeat(300)}`,
      context: { ip: `203.0.113.${n % 250}`, user_agent: 'soak/1.0' },
    };
  });
  return JSON.stringify({ events });
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => {});
  const bucketSeconds = options.bucketSeconds ?? 60;
  const bodies = Array.from({ length: 16 }, (_, v) => batchBody(v));
  const headers = { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' };
  const acked = new Acknowledged();
  const latencies: number[][] = [];
  const result = { offered: 0, acknowledged: 0, refused: 0, failed: 0 };
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let running = true;

  // Ingest: requests due by the clock are sent, at most MAX_IN_FLIGHT at once.
  let inFlight = 0;
  let sent = 0;
  const post = async (body: string): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const at = performance.now();
      try {
        const res = await fetch(`${options.url}/v1/events`, { method: 'POST', headers, body });
        const text = await res.text();
        const bucket = Math.floor((at - started) / 1000 / bucketSeconds);
        if (res.status === 201) {
          if (!latencies[bucket]) latencies[bucket] = [];
          latencies[bucket].push(performance.now() - at);
          const answer = JSON.parse(text) as { events: { id: string; seq: number }[] };
          for (const e of answer.events) acked.record(e.seq, e.id);
          result.acknowledged += answer.events.length;
          return;
        }
        if (res.status !== 503) {
          result.failed++;
          log(`ingest answered ${res.status}: ${text.slice(0, 200)}\n`);
          return;
        }
        await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
      } catch (error) {
        if (attempt > 20) throw error;
        await sleep(500);
      }
      result.refused++;
    }
  };
  const ingest = (async () => {
    const pending = new Set<Promise<void>>();
    while (elapsed() < options.seconds) {
      const due = Math.floor((elapsed() * options.rate) / BATCH);
      while (sent < due && inFlight < MAX_IN_FLIGHT) {
        const p = post(bodies[sent % bodies.length]!).finally(() => {
          inFlight--;
          pending.delete(p);
        });
        pending.add(p);
        inFlight++;
        sent++;
        result.offered += BATCH;
      }
      await sleep(5);
    }
    await Promise.all(pending);
  })();

  const samples: SoakSample[] = [];
  const sampler = (async () => {
    const every = (options.sampleSeconds ?? 10) * 1000;
    for (let next = 0; running; next += every) {
      const storage = await options.storage();
      // A memory sample the server does not answer within 5 s is left out, not fatal to the soak.
      const memory = await options.memoryMiB?.().catch(() => undefined);
      const heap = memory?.heapMiB;
      const sample: SoakSample = {
        at: Math.round(elapsed()),
        rssMiB: Math.round(options.rssMiB()),
        ...(memory === undefined
          ? {}
          : { heapMiB: Math.round(memory.heapMiB), searchCacheMiB: Math.round(memory.searchCacheMiB) }),
        ...storage,
      };
      samples.push(sample);
      log(
        `soak ${sample.at}s: acknowledged ${result.acknowledged}, RSS ${sample.rssMiB} MiB${heap === undefined ? '' : `, heap ${sample.heapMiB} MiB`}, database ${(sample.database / 2 ** 20).toFixed(0)} MiB, WAL ${(sample.wal / 2 ** 20).toFixed(0)} MiB\n`,
      );
      await sleepUntil(started + next + every, () => running);
    }
  })();
  const keepGoing = () => running;
  const besideQueries = queryLoop(options, keepGoing);
  const besideExports = exportLoop(options, keepGoing);
  const besideVerifications = verifyLoop(options, keepGoing);

  await ingest;
  running = false;
  const queries = await besideQueries;
  const exports = await besideExports;
  const verifications = await besideVerifications;
  await sampler;
  const serverAlive = await fetch(`${options.url}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  const lost = serverAlive
    ? await checkNothingLost(options.url, options.key, acked, log)
    : result.acknowledged;
  return {
    ...result,
    lost,
    p99ByBucket: latencies.map((l) => percentile(l ?? [], 99)),
    p99: percentile(latencies.flat(), 99),
    samples,
    queries,
    exports,
    verifications,
    serverAlive,
  };
}

async function sleepUntil(at: number, keepGoing: () => boolean): Promise<void> {
  while (keepGoing() && performance.now() < at) await sleep(Math.min(250, at - performance.now()));
}

async function get(options: SoakOptions, path: string, method = 'GET'): Promise<Response> {
  return fetch(options.url + path, { method, headers: { authorization: `Bearer ${options.key}` } });
}

/** What an admin looks at while the log fills: the newest page, filters, a search, the actions. */
async function queryLoop(options: SoakOptions, keepGoing: () => boolean) {
  const paths: [string, string][] = [
    ['newest', '/v1/events'],
    ['action_status', '/v1/events?action=user.login&status=failure'],
    ['actor', '/v1/events?actor=usr_5'],
    ['workspace', '/v1/events?workspace=ws_3'],
    ['q_rare', `/v1/events?q=${encodeURIComponent(PROBES.rareTerm)}`],
    ['actions', '/v1/actions'],
  ];
  const times: number[] = [];
  const byKind = new Map<string, number[]>(paths.map(([kind]) => [kind, []]));
  let failed = 0;
  for (let i = 0; keepGoing(); i++) {
    const [kind, path] = paths[i % paths.length]!;
    const at = performance.now();
    const res = await get(options, path).catch(() => undefined);
    await res?.arrayBuffer();
    if (res?.ok) {
      const ms = performance.now() - at;
      times.push(ms);
      byKind.get(kind)!.push(ms);
    } else failed++;
    await sleep(200);
  }
  const p95s = [...byKind].map(([kind, ms]) => [kind, percentile(ms, 95)] as const);
  return { done: times.length, failed, p95: percentile(times, 95), byKind: Object.fromEntries(p95s) };
}

/** A CSV export of the last minute, every 15 s. */
async function exportLoop(options: SoakOptions, keepGoing: () => boolean) {
  let done = 0;
  let failed = 0;
  let rows = 0;
  while (keepGoing()) {
    const from = new Date(Date.now() - 60_000).toISOString();
    const res = await get(options, `/v1/events/export.csv?from=${encodeURIComponent(from)}`).catch(
      () => undefined,
    );
    // Counted as it streams: at 20,000 events/s a minute's CSV is longer than a string can be.
    const lines = res?.ok && res.body ? await countLines(res.body).catch(() => undefined) : undefined;
    if (lines === undefined) failed++;
    else {
      done++;
      rows += lines - 1;
    }
    await sleepUntil(performance.now() + 15_000, keepGoing);
  }
  return { done, failed, rows };
}

/** The whole chain verified against its checkpoints, one verification after another, 10 s apart. */
async function verifyLoop(options: SoakOptions, keepGoing: () => boolean) {
  let done = 0;
  let failed = 0;
  while (keepGoing()) {
    const res = await get(options, '/v1/chain/verify', 'POST').catch(() => undefined);
    const report = res?.ok ? ((await res.json()) as { ok: boolean }) : undefined;
    if (report?.ok) done++;
    else {
      failed++;
      options.log?.(`verification failed: ${res?.status} ${JSON.stringify(report)}\n`);
    }
    await sleepUntil(performance.now() + 10_000, keepGoing);
  }
  return { done, failed };
}
