import { api, countLines, percentile, report, timedRequest } from './lib.js';

export interface LatencyStats {
  p50: number;
  p95: number;
  count: number;
}

async function timed(url: string, path: string, key: string): Promise<number> {
  return (await timedRequest(url, path, key)).client;
}

async function measure(url: string, key: string, paths: string[], rounds: number): Promise<LatencyStats> {
  for (const path of paths) await timed(url, path, key); // warm the page cache once
  const samples: number[] = [];
  const byPath = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const path of paths) {
      const ms = await timed(url, path, key);
      samples.push(ms);
      byPath.set(path, [...(byPath.get(path) ?? []), ms]);
    }
  }
  // Each request's median on stderr, slowest first: what to look at when a percentile moves.
  const medians = [...byPath].map(([path, ms]) => [path, percentile(ms, 50)] as const);
  for (const [path, ms] of medians.sort((a, b) => b[1] - a[1])) {
    process.stderr.write(`  ${ms.toFixed(1).padStart(8)} ms  ${decodeURIComponent(path).slice(0, 120)}\n`);
  }
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), count: samples.length };
}

/** What an admin does in the audit log: the newest page, each filter, combinations, next pages. */
export async function listPaths(url: string, key: string): Promise<string[]> {
  const paths = [
    '/v1/events',
    '/v1/events?limit=100',
    '/v1/events?action=user.login',
    '/v1/events?action=api_key.*',
    '/v1/events?action=template.created,template.deleted',
    '/v1/events?actor=usr_1234',
    '/v1/events?actor=user4321@example.com',
    '/v1/events?resource_type=template',
    '/v1/events?resource_type=template&resource_id=res_500000',
    '/v1/events?status=failure',
    '/v1/events?workspace=ws_7',
    '/v1/events?ip=203.0.10.10',
    '/v1/events?kind=request',
    '/v1/events?action=user.login&status=failure',
    '/v1/events?actor=usr_42&action=template.updated',
    `/v1/events?from=${new Date(Date.now() - 7 * 86_400_000).toISOString()}`,
    `/v1/events?from=${new Date(Date.now() - 20 * 86_400_000).toISOString()}&to=${new Date(Date.now() - 19 * 86_400_000).toISOString()}`,
  ];
  // Deep pages: follow the cursor five pages into the default listing.
  let cursor: string | null = null;
  for (let i = 0; i < 5; i++) {
    const page: Record<string, unknown> = await api(url, `/v1/events${cursor ? `?cursor=${cursor}` : ''}`, {
      key,
    });
    cursor = page.next_cursor as string | null;
    if (!cursor) break;
    paths.push(`/v1/events?cursor=${cursor}`);
  }
  return paths;
}

/** Searches of every selectivity: one event, a few hundred, thousands, most events. */
export const SEARCH_TERMS = [
  'user4321@example.com',
  'res_777777',
  'resource 977',
  'number12',
  'workspace 7',
  'login',
  'in workspace',
  'usr_4999',
  'zzz-no-such-thing',
  '/api/v1/resources/9',
];

export async function runQueryBenchmarks(
  url: string,
  key: string,
  backend: string,
  rounds = 5,
): Promise<void> {
  const list = await measure(url, key, await listPaths(url, key), rounds);
  report(`list_p50_${backend}`, list.p50, 'ms');
  report(`list_p95_${backend}`, list.p95, 'ms');
  const search = await measure(
    url,
    key,
    SEARCH_TERMS.map((term) => `/v1/events?q=${encodeURIComponent(term)}`),
    rounds,
  );
  report(`search_p50_${backend}`, search.p50, 'ms');
  report(`search_p95_${backend}`, search.p95, 'ms');
}

/**
 * Streams the whole default window as CSV and samples the server's RSS while it runs: every
 * 50 ms for the peak, and the largest of each half of the run, to tell flat from growing.
 * Answers whether the export met its target (150,000 rows/s, the second half's RSS within 10%
 * of the first's).
 */
export async function runExportBenchmark(
  url: string,
  key: string,
  backend: string,
  rssMiB: () => number,
): Promise<boolean> {
  const before = rssMiB();
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssMiB()), 50);
  const started = performance.now();
  const res = await fetch(`${url}/v1/events/export.csv`, { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok || !res.body) throw new Error(`export: ${res.status}`);
  // Less the header (seeded events hold no line breaks, so lines are rows).
  const rows = (await countLines(res.body)) - 1;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  samples.push(rssMiB());
  const half = Math.floor(samples.length / 2);
  const firstHalf = Math.max(before, ...samples.slice(0, half));
  const secondHalf = Math.max(...samples.slice(half));
  const rate = Math.round(rows / seconds);
  report(`export_csv_rows_${backend}`, rows, 'rows');
  report(`export_csv_rate_${backend}`, rate, 'rows/s');
  report(`export_csv_start_rss_${backend}`, Math.round(before), 'MiB');
  report(`export_csv_peak_rss_${backend}`, Math.round(Math.max(firstHalf, secondHalf)), 'MiB');
  report(`export_csv_first_half_rss_${backend}`, Math.round(firstHalf), 'MiB');
  report(`export_csv_second_half_rss_${backend}`, Math.round(secondHalf), 'MiB');
  const flat = secondHalf <= firstHalf * 1.1;
  if (rate < 150_000) process.stderr.write(`target missed: export ${rate} rows/s < 150000\n`);
  if (!flat) process.stderr.write(`target missed: export RSS grew from ${firstHalf} to ${secondHalf} MiB\n`);
  return rate >= 150_000 && flat;
}
