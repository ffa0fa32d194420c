import { api, argValue, startServer, waitForCheckpoints } from './lib.js';
import { runExportBenchmark, runQueryBenchmarks } from './query.js';

/**
 * `npx tsx bench/export.ts --db=PATH_OR_URL [--org=bench_big] [--queries]`: the CSV export
 * benchmark alone, against a database seeded once with `bench/seed-db.ts`, for profiling the
 * export (pass `--cpu-prof` through BENCH_NODE_ARGS). `--queries` runs the list and search
 * benchmark first, as `npm run bench` does, so the export starts from the same server state.
 * Adds an API key to the org on each run.
 */
const db = argValue('db', '');
if (!db) throw new Error('--db=PATH_OR_URL is required');
const org = argValue('org', 'bench_big');
const backend = db.startsWith('postgres') ? 'postgres' : 'sqlite';
const server = await startServer(db, 3921);
try {
  const created = await api(server.url, `/v1/orgs/${org}/api-keys`, {
    method: 'POST',
    json: { name: 'export bench', scopes: ['events:read'] },
  });
  const key = created.key as string;
  const head = (await api(server.url, '/v1/chain', { key })) as { head: { seq: number } };
  await waitForCheckpoints(server.url, key, head.head.seq - (head.head.seq % 1000));
  if (process.argv.includes('--queries')) await runQueryBenchmarks(server.url, key, backend);
  await runExportBenchmark(server.url, key, backend, () => server.rssMiB());
} finally {
  await server.stop();
}
