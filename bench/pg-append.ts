import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { EventInput } from '../src/domain/event.js';
import { NO_ENRICHMENT, prepareEvent } from '../src/domain/prepare-event.js';
import { migrateToLatest } from '../src/store/migrations/migrate.js';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/migrations/index.js';
import type { WriteMethod } from '../src/store/postgres/postgres-insert.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { argValue, freshDatabase, report, sampleEvent } from './lib.js';

/**
 * The PostgreSQL store's append path alone (no HTTP): commits of `--batch`-event batches into
 * one org, `--batches-per-commit` per transaction as the ingest queue would join them, into a
 * fresh database with every index. Events are prepared before the clock starts; each commit is
 * durable (synchronous_commit on). With several `--methods`, each round runs every method once,
 * in an order that rotates from round to round (A/B alternated), into the same growing table:
 * on a shared machine only such paired figures compare. Client and server CPU per 1,000 events
 * are steadier than rates there.
 *   npx tsx bench/pg-append.ts --events=20000 --batch=100 --batches-per-commit=10 \
 *     --methods=text,binary,unnest --rounds=4 [--without=events_search] [--plain]
 */
/** CPU milliseconds used so far by each of the given server processes (Linux /proc, 10 ms ticks). */
function serverCpuMs(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // a connection that closed meanwhile (an idle pool's)
    }
  }
  return out;
}

/** CPU used between two readings by the processes present in both. */
function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, end] of after) ms += end - (before.get(pid) ?? end);
  return ms;
}

interface Totals {
  events: number;
  seconds: number;
  clientMs: number;
  serverMs: number;
}

const perRound = Number(argValue('events', '100000'));
const size = Number(argValue('batch', '1000'));
const perCommit = Number(argValue('batches-per-commit', '1'));
const methods = argValue('methods', 'text').split(',') as WriteMethod[];
const rounds = Number(argValue('rounds', '1'));
/** Indexes dropped before the run: what each costs the server (e.g. --without=events_search). */
const without = argValue('without', '').split(',').filter(Boolean);
/** --plain: events not partitioned (every migration but 009, plus its column), to compare. */
const plain = process.argv.includes('--plain');

let next = 0;
function batches(): ReturnType<typeof prepareEvent>[][] {
  const base = Date.now() - 3_600_000;
  const out = [];
  for (let start = 0; start < perRound; start += size) {
    out.push(
      Array.from({ length: Math.min(size, perRound - start) }, () => {
        const i = next++;
        const input = sampleEvent(i, new Date(base + i).toISOString()) as unknown as EventInput;
        return prepareEvent(input, 'org_bench', new Date(), NO_ENRICHMENT);
      }),
    );
  }
  return out;
}

/** The server processes whose last statement was a COMMIT: the commits' connections. */
async function backendPids(store: PostgresStore): Promise<number[]> {
  const { rows } = await store.pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND query = 'COMMIT'`,
  );
  return rows.map((r) => r.pid);
}

async function timed(store: PostgresStore, work: ReturnType<typeof batches>, totals: Totals) {
  // The first commit (not counted) opens the connection if the pool let it go while idle.
  await store.appendBatches([{ org: 'org_bench', events: work.shift()! }]);
  const pids = await backendPids(store);
  const serverBefore = serverCpuMs(pids);
  const clientBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let b = 0; b < work.length; b += perCommit) {
    const group = work.slice(b, b + perCommit).map((events) => ({ org: 'org_bench', events }));
    const outcomes = await store.appendBatches(group);
    if (!outcomes.every((o) => o.ok)) throw new Error('append failed');
  }
  totals.seconds += Number(process.hrtime.bigint() - started) / 1e9;
  const client = process.cpuUsage(clientBefore);
  totals.clientMs += (client.user + client.system) / 1000;
  totals.serverMs += cpuDelta(serverBefore, serverCpuMs(pids));
  totals.events += work.flat().length;
}

async function run(): Promise<void> {
  const db = await freshDatabase('postgres');
  const stores = new Map(
    methods.map((m) => [m, new PostgresStore({ connectionString: db.url, poolSize: 1, writeMethod: m })]),
  );
  const totals = new Map(methods.map((m) => [m, { events: 0, seconds: 0, clientMs: 0, serverMs: 0 }]));
  try {
    const first = stores.get(methods[0]!)!;
    if (plain) {
      const { '009_partitions': _partitions, ...others } = POSTGRES_MIGRATIONS;
      await migrateToLatest(first.db, others);
      await first.pool.query('ALTER TABLE events ADD COLUMN received_at timestamptz');
    } else {
      await first.migrate();
    }
    for (const index of without) await first.pool.query(`DROP INDEX ${index}`);
    await first.transaction((tx) => tx.createOrg({ id: 'org_bench', name: 'Bench' }));
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < methods.length; k++) {
        const method = methods[(round + k) % methods.length]!;
        await timed(stores.get(method)!, batches(), totals.get(method)!);
      }
    }
    for (const [method, t] of totals) {
      const name = `pg_append_batch${size}x${perCommit}_${method}`;
      report(name, Math.round(t.events / t.seconds), 'events/s');
      report(`${name}_node_cpu`, (t.clientMs / t.events) * 1000, 'ms/1000 events');
      report(`${name}_server_cpu`, (t.serverMs / t.events) * 1000, 'ms/1000 events');
    }
    report('load_average_1m', loadavg()[0]!, '');
  } finally {
    for (const store of stores.values()) await store.close();
    await db.drop();
  }
}

await run();
