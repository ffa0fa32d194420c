import {
  argValue,
  BATCH100_BODY,
  createOrgWithKey,
  freshDatabase,
  ingestLoad,
  report,
  serverMemoryMiB,
  startServer,
} from './lib.js';
import { runSoak, type SoakResult, type SoakSample } from './soak-lib.js';
import { analyzeLikeAutovacuum, storageProbe } from './soak-storage.js';

/**
 * `npm run soak [-- --backend=sqlite,postgres] [--minutes=10] [--rate=EVENTS_PER_S]`
 * On each backend: a fresh database and the compiled server; the 100-event batch rate measured
 * for 15 s (unless `--rate`), then 80% of it held for `--minutes` with queries, exports and chain
 * verifications beside it (bench/soak-lib.ts). Prints `BENCH` lines; exits non-zero when an
 * acknowledged event is missing or the server did not stay up.
 */
const backends = argValue('backend', 'sqlite,postgres').split(',');
const minutes = Number(argValue('minutes', '10'));
const fixedRate = argValue('rate', '');
let failures = 0;

function summarise(backend: string, result: SoakResult): void {
  const b = backend;
  report(`soak_offered_${b}`, result.offered, 'events');
  report(`soak_achieved_rate_${b}`, Math.round(result.acknowledged / (minutes * 60)), 'events/s');
  report(`soak_acknowledged_${b}`, result.acknowledged, 'events');
  report(`soak_lost_${b}`, result.lost, 'events');
  report(`soak_refused_${b}`, result.refused, 'requests');
  report(`soak_failed_${b}`, result.failed, 'requests');
  report(`soak_ingest_p99_${b}`, result.p99, 'ms');
  for (const [minute, p99] of result.p99ByBucket.entries()) {
    report(`soak_ingest_p99_minute${minute + 1}_${b}`, p99, 'ms');
  }
  const mean = (v: number[]) => v.reduce((a, c) => a + c, 0) / Math.max(1, v.length);
  // Minute 2 against the last minute, for the RSS, the V8 heap within it, the search index cache
  // (bounded, but growing with the org the soak searches) and the RSS without that cache.
  for (const [name, of] of [
    ['rss', (s: SoakSample) => s.rssMiB],
    ['heap', (s: SoakSample) => s.heapMiB],
    ['search_cache', (s: SoakSample) => s.searchCacheMiB],
    [
      'rss_less_search_cache',
      (s: SoakSample) => (s.searchCacheMiB === undefined ? undefined : s.rssMiB - s.searchCacheMiB),
    ],
  ] as const) {
    const values = result.samples.map(of).filter((v): v is number => v !== undefined);
    if (values.length === 0) continue;
    const within = (from: number, to: number) =>
      result.samples
        .filter((s) => s.at >= from && s.at < to)
        .map(of)
        .filter((v): v is number => v !== undefined);
    const second = within(60, 120);
    const last = within(minutes * 60 - 60, Number.POSITIVE_INFINITY);
    process.stderr.write(`${name} every 10 s (MiB): ${values.join(' ')}\n`);
    report(`soak_${name}_second_minute_${b}`, Math.round(mean(second)), 'MiB');
    report(`soak_${name}_last_minute_${b}`, Math.round(mean(last)), 'MiB');
    report(`soak_${name}_last_vs_second_${b}`, Number((mean(last) / mean(second)).toFixed(3)), 'ratio');
    // The lowest sample of each minute comes closest to what stays after a collection and after
    // an export's buffers are freed, where growth that does not come back would show.
    report(`soak_${name}_floor_second_minute_${b}`, Math.min(...second), 'MiB');
    report(`soak_${name}_floor_last_minute_${b}`, Math.min(...last), 'MiB');
  }
  const first = result.samples[0]!;
  const end = result.samples[result.samples.length - 1]!;
  report(`soak_database_growth_${b}`, Math.round((end.database - first.database) / 2 ** 20), 'MiB');
  report(
    `soak_database_bytes_per_event_${b}`,
    Math.round((end.database - first.database) / result.acknowledged),
    'B',
  );
  report(`soak_wal_end_${b}`, Math.round(end.wal / 2 ** 20), 'MiB');
  report(`soak_wal_max_${b}`, Math.round(Math.max(...result.samples.map((s) => s.wal)) / 2 ** 20), 'MiB');
  report(`soak_query_p95_${b}`, result.queries.p95, 'ms');
  for (const [kind, p95] of Object.entries(result.queries.byKind)) {
    report(`soak_query_${kind}_p95_${b}`, p95, 'ms');
  }
  report(`soak_queries_${b}`, result.queries.done, 'requests');
  report(`soak_query_failures_${b}`, result.queries.failed, 'requests');
  report(`soak_exports_${b}`, result.exports.done, 'exports');
  report(`soak_export_failures_${b}`, result.exports.failed, 'exports');
  report(`soak_verifications_${b}`, result.verifications.done, 'runs');
  report(`soak_verification_failures_${b}`, result.verifications.failed, 'runs');
  if (result.lost > 0 || !result.serverAlive || result.verifications.failed > 0) failures++;
}

for (const backend of backends) {
  const db = await freshDatabase(backend);
  const server = await startServer(db.url, 3931);
  const storage = await storageProbe(db.url);
  const stopAnalyzing = await analyzeLikeAutovacuum(db.url);
  try {
    let rate = Number(fixedRate);
    if (!fixedRate) {
      const warmKey = await createOrgWithKey(server.url, 'soak_rate');
      const measured = await ingestLoad(server.url, warmKey, BATCH100_BODY, 15);
      const batchRate = Math.round((measured['2xx'] * 100) / measured.duration);
      report(`soak_measured_batch_rate_${backend}`, batchRate, 'events/s');
      rate = Math.round(batchRate * 0.8);
    }
    report(`soak_rate_${backend}`, rate, 'events/s');
    const key = await createOrgWithKey(server.url, 'soak');
    const result = await runSoak({
      url: server.url,
      key,
      seconds: minutes * 60,
      rate,
      rssMiB: () => server.rssMiB(),
      memoryMiB: () => serverMemoryMiB(server.url),
      storage: () => storage.read(),
      log: (line) => process.stderr.write(line),
    });
    summarise(backend, result);
  } finally {
    await stopAnalyzing();
    await storage.close();
    await server.stop();
    await db.drop();
  }
}
process.exitCode = failures > 0 ? 1 : 0;
