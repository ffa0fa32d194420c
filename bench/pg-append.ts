import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { EventInput } from '../src/domain/event.js';
import { NO_ENRICHMENT, prepareEvent } from '../src/domain/prepare-event.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { argValue, freshDatabase, report, sampleEvent } from './lib.js';

/**
 * The PostgreSQL store's append path alone (no HTTP): commits of 1,000-event batches into one
 * org, as the ingest queue would send them, into a fresh database with every index. Events are
 * prepared before the clock starts; each commit is durable (synchronous_commit on).
 *   npx tsx bench/pg-append.ts --events=100000 --batch=1000
 */
/** CPU milliseconds used so far by the given server processes (Linux /proc, 10 ms ticks). */
function serverCpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10;
}

async function run(): Promise<void> {
  const total = Number(argValue('events', '100000'));
  const size = Number(argValue('batch', '1000'));
  const perCommit = Number(argValue('batches-per-commit', '1'));
  const db = await freshDatabase('postgres');
  const store = new PostgresStore({ connectionString: db.url, poolSize: 1 });
  try {
    await store.migrate();
    await store.transaction((tx) => tx.createOrg({ id: 'org_bench', name: 'Bench' }));
    const base = Date.now() - 3_600_000;
    const batches = [];
    for (let start = 0; start < total; start += size) {
      batches.push(
        Array.from({ length: Math.min(size, total - start) }, (_, k) => {
          const i = start + k;
          const input = sampleEvent(i, new Date(base + i).toISOString()) as unknown as EventInput;
          return prepareEvent(input, 'org_bench', new Date(), NO_ENRICHMENT);
        }),
      );
    }
    // A first commit opens the connection commits use; its server process is then measured.
    await store.appendBatches([{ org: 'org_bench', events: batches.shift()! }]);
    const { rows } = await store.pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    const pids = rows.map((r) => r.pid);
    const serverBefore = serverCpuMs(pids);
    const clientBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (let b = 0; b < batches.length; b += perCommit) {
      const group = batches.slice(b, b + perCommit).map((events) => ({ org: 'org_bench', events }));
      const outcomes = await store.appendBatches(group);
      if (!outcomes.every((o) => o.ok)) throw new Error('append failed');
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const client = process.cpuUsage(clientBefore);
    const name = `pg_append_batch${size}x${perCommit}`;
    const timed = total - size;
    report(name, Math.round(timed / seconds), 'events/s');
    // CPU per 1,000 events: steadier than throughput on a shared machine (load shown beside).
    report(`${name}_node_cpu`, ((client.user + client.system) / 1000 / timed) * 1000, 'ms/1000 events');
    report(`${name}_server_cpu`, ((serverCpuMs(pids) - serverBefore) / timed) * 1000, 'ms/1000 events');
    report('load_average_1m', loadavg()[0]!, '');
  } finally {
    await store.close();
    await db.drop();
  }
}

await run();
