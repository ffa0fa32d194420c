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
 * `npx tsx bench/thread-cpu.ts [--seconds=10] [--batch=100] [--client-ids]`: where ingest spends
 * its CPU. Runs the batch ingest load against a fresh server and prints, per server thread, the
 * CPU time it used per stored event (from /proc/<pid>/task/<tid>/stat). `--client-ids` sends the
 * 100 events as the SDK does (whatever `--batch` says), each with an id and a time of its own.
 * Run `npm run build` first.
 */
const seconds = Number(argValue('seconds', '10'));
const batch = Number(argValue('batch', '100'));
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

const db = await freshDatabase('sqlite');
const server = await startServer(
  db.url,
  3911,
  process.env.BENCH_ENV ? JSON.parse(process.env.BENCH_ENV) : {},
);
try {
  const key = await createOrgWithKey(server.url, 'bench_threads');
  const body = JSON.stringify({ events: Array.from({ length: batch }, (_, i) => sampleEvent(i)) });
  const before = threadTimes(server.pid);
  const clientIds = process.argv.includes('--client-ids');
  const result = await ingestLoad(server.url, key, clientIds ? clientIdBatch100Body : body, seconds);
  const after = threadTimes(server.pid);
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
} finally {
  await server.stop();
  await db.drop();
}
