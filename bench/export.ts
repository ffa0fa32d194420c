import { api, argValue, startServer } from './lib.js';
import { runExportBenchmark } from './query.js';

/**
 * `npx tsx bench/export.ts --db=PATH_OR_URL [--org=bench_big]`: the CSV export benchmark alone,
 * against a database seeded once with `bench/seed-db.ts`, for profiling the export (pass
 * `--cpu-prof` through BENCH_NODE_ARGS). Adds an API key to the org on each run.
 */
const db = argValue('db', '');
if (!db) throw new Error('--db=PATH_OR_URL is required');
const org = argValue('org', 'bench_big');
const server = await startServer(db, 3921, { TRAILMARK_CHECKPOINTER: 'off' });
try {
  const created = await api(server.url, `/v1/orgs/${org}/api-keys`, {
    method: 'POST',
    json: { name: 'export bench', scopes: ['events:read'] },
  });
  const key = created.key as string;
  await runExportBenchmark(server.url, key, db.startsWith('postgres') ? 'postgres' : 'sqlite', () =>
    server.rssMiB(),
  );
} finally {
  await server.stop();
}
