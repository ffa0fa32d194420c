import autocannon from 'autocannon';
import { argValue, createOrgWithKey, freshDatabase, report, sampleEvent, startServer } from './lib.js';

/**
 * Ingest throughput through the real server: 50 connections posting 100-event batches, then
 * single events. Every 2xx means the events were committed and fsynced.
 */
async function run(): Promise<void> {
  const backend = argValue('backend', 'sqlite');
  const seconds = Number(argValue('seconds', '15'));
  const db = await freshDatabase(backend);
  const server = await startServer(db.url, 3901);
  try {
    const key = await createOrgWithKey(server.url, 'bench_ingest');
    const batch = JSON.stringify({ events: Array.from({ length: 100 }, (_, i) => sampleEvent(i)) });
    const single = JSON.stringify(sampleEvent(7));
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    for (const [name, body, perRequest] of [
      ['batch100', batch, 100],
      ['single', single, 1],
    ] as const) {
      const result = await autocannon({
        url: `${server.url}/v1/events`,
        method: 'POST',
        connections: 50,
        duration: seconds,
        headers,
        body,
      });
      const ok = result['2xx'];
      if (result.non2xx > 0 || result.errors > 0) {
        process.stderr.write(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors\n`);
      }
      report(`ingest_${name}_${backend}`, Math.round((ok * perRequest) / result.duration), 'events/s');
      report(`ingest_${name}_p99_${backend}`, result.latency.p99, 'ms');
    }
    report(`ingest_server_rss_${backend}`, Math.round(server.rssMiB()), 'MiB');
  } finally {
    await server.stop();
    await db.drop();
  }
}

await run();
