import { readdirSync, readFileSync } from 'node:fs';
import {
  argValue,
  clientIdBatch100Body,
  createOrgWithKey,
  freshDatabase,
  ingestLoad,
  report,
  sampleEvent,
  startServer,
} from './lib.js';

/**
 * `npx tsx bench/thread-cpu.ts [--seconds=10] [--batch=100] [--client-ids] [--backend=postgres]`:
 * where ingest spends its CPU. Runs the batch ingest load against a fresh server and prints, per
 * server thread, the CPU time it used per stored event (from /proc/<pid>/task/<tid>/stat).
 * `--client-ids` sends the 100 events as the SDK does (whatever `--batch` says), each with an id
 * and a time of its own. On PostgreSQL it also prints the CPU of every `postgres` process of the
 * machine together (so run it on a quiet one). Run `npm run build` first.
 */
const seconds = Number(argValue('seconds', '10'));
const batch = Number(argValue('batch', '100'));
const backend = argValue('backend', 'sqlite');
const TICK_US = 1e6 / 100; // USER_HZ

function threadTimes(pid: number): Map<string, number> {
  const times = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    times.set(`${name}#${tid}`, ticks);
  }
  return times;
}

/** CPU ticks of every process named `postgres` (the server and its backends). */
function postgresTicks(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks;
}

const db = await freshDatabase(backend);
const server = await startServer(db.url, 3911);
try {
  const key = await createOrgWithKey(server.url, 'bench_threads');
  const body = JSON.stringify({ events: Array.from({ length: batch }, (_, i) => sampleEvent(i)) });
  const before = threadTimes(server.pid);
  const postgresBefore = backend === 'postgres' ? postgresTicks() : 0;
  const clientIds = process.argv.includes('--client-ids');
  const result = await ingestLoad(server.url, key, clientIds ? clientIdBatch100Body : body, seconds);
  const after = threadTimes(server.pid);
  const postgresUsed = backend === 'postgres' ? postgresTicks() - postgresBefore : 0;
  const events = result['2xx'] * (clientIds ? 100 : batch);
  report('thread_cpu_ingest_rate', Math.round(events / result.duration), 'events/s');
  let total = 0;
  for (const [thread, ticks] of after) {
    const used = ticks - (before.get(thread) ?? 0);
    total += used;
    if (used > 0)
      report(`thread_cpu_${thread.replace(/[^\w#]/g, '_')}`, (used * TICK_US) / events, 'us/event');
  }
  report('thread_cpu_total', (total * TICK_US) / events, 'us/event');
  if (backend === 'postgres')
    report('thread_cpu_postgres_processes', (postgresUsed * TICK_US) / events, 'us/event');
} finally {
  await server.stop();
  await db.drop();
}
