import { prepareEvent } from '../src/domain/prepare-event.js';
import { parseIngestBody } from '../src/domain/validate.js';
import { createEnricher } from '../src/enrich/enricher.js';
import { openStore } from '../src/store/open-store.js';
import { sampleEvent } from './lib.js';

export interface SeedPlan {
  /** org id → number of events */
  orgs: Record<string, number>;
  /** Events are spread evenly over this many days before now. */
  days: number;
  /** When the store received them (default: now); occurred_at is spread before it. */
  receivedAt?: () => Date;
  /** Event `n` of an org (default: `sampleEvent`, the ingest benchmark's event). */
  generate?: (n: number, occurredAt: string) => Record<string, unknown>;
  /** Events per commit (default 5,000). */
  commit?: number;
}

/**
 * Loads events through the store's own append path (validation, preparation, chain, indexes),
 * without HTTP, so that query benchmarks start from millions of events in minutes. Orgs are
 * interleaved in commits of 5,000 events, as a busy multi-tenant server would write them. The
 * next commit's events are prepared while the store writes the one before (SQLite's writer
 * thread, PostgreSQL's server process), so the two cores both work.
 */
export async function seed(
  databaseUrl: string,
  plan: SeedPlan,
  log = (line: string) => process.stderr.write(line),
) {
  const store = await openStore(databaseUrl);
  await store.migrate();
  const enricher = createEnricher();
  const now = (plan.receivedAt?.() ?? new Date()).getTime();
  const span = plan.days * 24 * 60 * 60 * 1000;
  try {
    for (const org of Object.keys(plan.orgs)) {
      if (!(await store.getOrg(org)))
        await store.transaction((tx) => tx.createOrg({ id: org, name: `Seeded ${org}` }));
    }
    const remaining = new Map(Object.entries(plan.orgs));
    const total = [...remaining.values()].reduce((a, b) => a + b, 0);
    let done = 0;
    const started = performance.now();
    const generate = plan.generate ?? sampleEvent;
    const perCommit = plan.commit ?? 5000;
    let writing: Promise<void> = Promise.resolve();
    while (remaining.size > 0) {
      const batches = [];
      for (const [org, left] of remaining) {
        const count = Math.min(left, Math.ceil((perCommit * plan.orgs[org]!) / total) || 1);
        const target = plan.orgs[org]!;
        const inputs = Array.from({ length: count }, (_, k) => {
          const n = target - left + k;
          // Oldest first, so seq order follows time as it does in production.
          const occurredAt = new Date(now - span + Math.floor((span * n) / target)).toISOString();
          return parseIngestBody(generate(n, occurredAt))[0]!;
        });
        const receivedAt = plan.receivedAt?.() ?? new Date();
        batches.push({ org, events: inputs.map((input) => prepareEvent(input, org, receivedAt, enricher)) });
        if (left - count === 0) remaining.delete(org);
        else remaining.set(org, left - count);
        done += count;
      }
      await writing; // one commit in flight at a time: its successor is prepared meanwhile
      writing = store.appendBatches(batches).then((outcomes) => {
        for (const outcome of outcomes) if (!outcome.ok) throw outcome.error;
      });
      writing.catch(() => {}); // awaited before the next commit or at the end
      if (done % 100_000 < perCommit) {
        const rate = done / ((performance.now() - started) / 1000);
        log(`seeded ${done}/${total} (${Math.round(rate)} events/s)\n`);
      }
    }
    await writing;
    const seconds = (performance.now() - started) / 1000;
    if (/^postgres(ql)?:/.test(databaseUrl)) await analyze(databaseUrl);
    return { events: total, seconds };
  } finally {
    await store.close();
  }
}

/**
 * What autovacuum does after a bulk load, done now (it may not have got to it yet, or be off, as
 * on the machine of docs/benchmarks.md): table statistics, without which PostgreSQL's planner
 * takes the trigram index for common filter values and sorts; and the dead rows of the tables
 * each commit updates in place (the action counts held 271,564 dead rows beside 139,625 live
 * after 19,000,000 events), and the visibility map of the events.
 */
async function analyze(databaseUrl: string): Promise<void> {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('VACUUM (ANALYZE)');
  } finally {
    await client.end();
  }
}
