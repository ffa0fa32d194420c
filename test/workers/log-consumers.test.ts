import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import { consumerMetricsOf, createMetrics } from '../../src/metrics.js';
import { openStore } from '../../src/store/open-store.js';
import type { AuditStore } from '../../src/store/store.js';
import type { LogConsumer } from '../../src/workers/consumers/log-consumer.js';
import { LogConsumers, type LogConsumersOptions } from '../../src/workers/consumers/log-consumers.js';
import { BACKENDS, PG_URL, type TestDatabase } from '../helpers/backends.js';
import { append, createOrg, pending } from '../store/contract-helpers.js';

const log = pino({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fresh(backend: (typeof BACKENDS)[number]): Promise<{ db: TestDatabase; store: AuditStore }> {
  const db = await backend.databaseUrl();
  const store = await open(db.url);
  cleanups.unshift(() => db.drop());
  return { db, store };
}

/** A migrated store whose close may be called more than once (a test closes it to restart). */
async function open(url: string): Promise<AuditStore> {
  const store = await openStore(url);
  await store.migrate();
  let closing: Promise<void> | undefined;
  const closeOnce = store.close.bind(store);
  const close = () => {
    closing ??= closeOnce();
    return closing;
  };
  store.close = close;
  cleanups.push(close);
  return store;
}

async function seed(store: AuditStore, org: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 200) {
    const n = Math.min(200, count - start);
    await append(
      store,
      org,
      Array.from({ length: n }, (_, i) => pending(org, { action: `thing.n${start + i}` })),
    );
  }
}

/** Records every event handed to it, per org; `fail` decides whether a call throws. */
function recorder(
  name: string,
  orgs: LogConsumer['orgs'] = 'all',
  fail: (org: string, events: readonly StoredEvent[]) => boolean = () => false,
) {
  const seen = new Map<string, number[]>();
  const consumer: LogConsumer = {
    name,
    orgs,
    async consume(org, events) {
      if (fail(org, events)) throw new Error('receiver down');
      const list = seen.get(org) ?? [];
      list.push(...events.map((e) => e.seq));
      seen.set(org, list);
      return undefined;
    },
  };
  return { consumer, seen };
}

function runner(store: AuditStore, extra: Partial<LogConsumersOptions> = {}): LogConsumers {
  const consumers = new LogConsumers({
    store,
    log,
    holder: `proc_${Math.random()}`,
    retryBaseMs: 1,
    ...extra,
  });
  cleanups.push(() => consumers.stop());
  return consumers;
}

/** Polls until every listed consumer has caught up with every org. */
async function drain(
  store: AuditStore,
  runners: LogConsumers[],
  names: (string | [name: string, org: string])[],
): Promise<void> {
  for (let round = 0; round < 500; round++) {
    await Promise.all(runners.map((r) => r.runOnce()));
    let behind = false;
    for (const entry of names) {
      const [name, org] = typeof entry === 'string' ? [entry, undefined] : entry;
      for (const p of await store.consumers.progress(name, org)) if (p.seq < p.head) behind = true;
    }
    if (!behind) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('consumers did not catch up');
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

for (const backend of BACKENDS) {
  describe(`log consumers on ${backend.name}`, () => {
    it('keeps a cursor per consumer and org that only moves forward', async () => {
      const { store } = await fresh(backend);
      const org = await createOrg(store);
      await seed(store, org, 5);
      expect(await store.consumers.cursor('alerts', org)).toEqual({ seq: 0, state: null });
      expect(await store.consumers.advance('alerts', org, 3, '{"n":1}')).toBe(true);
      expect(await store.consumers.advance('alerts', org, 2)).toBe(false);
      expect(await store.consumers.cursor('alerts', org)).toEqual({ seq: 3, state: '{"n":1}' });
      expect(await store.consumers.advance('alerts', org, 4)).toBe(true);
      expect(await store.consumers.cursor('alerts', org)).toEqual({ seq: 4, state: '{"n":1}' });
      expect(await store.consumers.progress('alerts', org)).toEqual([{ org, head: 5, seq: 4 }]);
      expect((await store.consumers.read(org, 4, 10)).map((e) => e.seq)).toEqual([4, 5]);
      await store.consumers.forget('alerts');
      expect((await store.consumers.cursor('alerts', org)).seq).toBe(0);
      expect(await store.consumers.cursor('alerts', 'org_missing')).toEqual({ seq: 0, state: null });
    });

    it('hands every event of every org in seq order, once when nothing fails', async () => {
      const { store } = await fresh(backend);
      const orgs = [await createOrg(store), await createOrg(store)];
      await seed(store, orgs[0]!, 730);
      await seed(store, orgs[1]!, 45);
      const all = recorder('all');
      const one = recorder('one', { orgId: orgs[1]! });
      const consumers = runner(store, { batchEvents: 100 });
      consumers.register(all.consumer);
      consumers.register(one.consumer);
      await drain(store, [consumers], ['all', ['one', orgs[1]!]]);
      expect(all.seen.get(orgs[0]!)).toEqual(range(1, 730));
      expect(all.seen.get(orgs[1]!)).toEqual(range(1, 45));
      expect([...one.seen.keys()]).toEqual([orgs[1]]);
      expect(one.seen.get(orgs[1]!)).toEqual(range(1, 45));
      // New events later: only those.
      await seed(store, orgs[1]!, 3);
      await drain(store, [consumers], ['all', ['one', orgs[1]!]]);
      expect(all.seen.get(orgs[1]!)).toEqual(range(1, 48));
    });

    it('resumes after a restart from the committed cursor', async () => {
      const { db, store } = await fresh(backend);
      const org = await createOrg(store);
      await seed(store, org, 300);
      // The first process handles 120 events and stops (a prefix: the consumer keeps the rest).
      const first: number[] = [];
      const consumers = runner(store, { batchEvents: 50 });
      consumers.register({
        name: 'c',
        orgs: 'all',
        async consume(_org, events) {
          const upTo = events.filter((e) => e.seq <= 120);
          first.push(...upTo.map((e) => e.seq));
          return upTo.length === events.length ? undefined : (upTo.at(-1)?.seq ?? events[0]!.seq - 1);
        },
      });
      await consumers.runOnce();
      await consumers.stop();
      await store.close();
      expect(first).toEqual(range(1, 120));

      const reopened = await open(db.url);
      await seed(reopened, org, 10);
      const after = recorder('c');
      const second = runner(reopened, { batchEvents: 50 });
      second.register(after.consumer);
      await drain(reopened, [second], ['c']);
      expect(after.seen.get(org)).toEqual(range(121, 310));
    });

    it('retries a throwing consumer from its cursor without skipping an event', async () => {
      const { store } = await fresh(backend);
      const org = await createOrg(store);
      await seed(store, org, 250);
      let failures = 0;
      const flaky = recorder('flaky', 'all', (_org, events) => {
        // The batch holding seq 101 fails three times before it goes through.
        if (events.some((e) => e.seq === 101) && failures < 3) {
          failures++;
          return true;
        }
        return false;
      });
      const consumers = runner(store, { batchEvents: 100, retryBaseMs: 1, retryMaxMs: 4 });
      consumers.register(flaky.consumer);
      await drain(store, [consumers], ['flaky']);
      expect(failures).toBe(3);
      expect(flaky.seen.get(org)).toEqual(range(1, 250));
    });

    it('runs a consumer with restMs at most once a rest after it catches up, and loses nothing meanwhile', async () => {
      const { store } = await fresh(backend);
      const org = await createOrg(store);
      const calls: Array<{ at: number; seqs: number[] }> = [];
      const consumers = runner(store, { pollMs: 20, settleMs: 1 });
      consumers.register({
        name: 'resting',
        orgs: 'all',
        restMs: 300,
        async consume(_org, events) {
          calls.push({ at: Date.now(), seqs: events.map((e) => e.seq) });
          return undefined;
        },
      });
      consumers.start();
      // Ten commits 50 ms apart, each waking the runner: they are taken in a few calls, not ten.
      for (let i = 0; i < 10; i++) {
        await seed(store, org, 1);
        consumers.notify();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (let i = 0; i < 100 && calls.flatMap((c) => c.seqs).length < 10; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(calls.flatMap((c) => c.seqs)).toEqual(range(1, 10));
      expect(calls.length).toBeLessThanOrEqual(4);
      for (let i = 1; i < calls.length; i++) {
        expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(290);
      }
    });

    it('reports lag in events and seconds, by metric and on request', async () => {
      const { store } = await fresh(backend);
      const org = await createOrg(store);
      await seed(store, org, 40);
      const metrics = createMetrics();
      let down = true;
      const consumer = recorder('lagging', 'all', () => down);
      const consumers = runner(store, {
        batchEvents: 100,
        metrics: consumerMetricsOf(metrics),
        retryBaseMs: 1,
      });
      consumers.register(consumer.consumer);
      await consumers.runOnce();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await consumers.runOnce();
      const lag = await consumers.lag('lagging', org);
      expect(lag).toMatchObject({ events: 40, cursor: 0, head: 40 });
      expect(lag.seconds).toBeGreaterThan(0);
      const text = await metrics.registry.metrics();
      expect(text).toContain('trailmark_consumer_lag_events{consumer="lagging"} 40');
      expect(text).toMatch(/trailmark_consumer_lag_seconds\{consumer="lagging"\} [0-9.e-]+/);
      expect(text).not.toContain('trailmark_consumer_lag_seconds{consumer="lagging"} 0\n');

      down = false;
      await drain(store, [consumers], ['lagging']);
      await consumers.runOnce();
      expect(await consumers.lag('lagging', org)).toEqual({ events: 0, seconds: 0, cursor: 40, head: 40 });
      expect(await metrics.registry.metrics()).toContain(
        'trailmark_consumer_lag_events{consumer="lagging"} 0',
      );
      consumers.unregister('lagging');
      expect(await metrics.registry.metrics()).not.toContain('consumer="lagging"');
    });
  });
}

describe.skipIf(!PG_URL)('log consumers: two processes on one PostgreSQL', () => {
  it('split the orgs between them, one owner per org, every event handled once', async () => {
    const postgres = BACKENDS.find((b) => b.name === 'postgres')!;
    const { db, store } = await fresh(postgres);
    const other = await open(db.url);
    const orgs: string[] = [];
    for (let i = 0; i < 8; i++) {
      const org = await createOrg(store);
      orgs.push(org);
      await seed(store, org, 60 + i);
    }
    const handled: { runner: string; org: string; seq: number }[] = [];
    const consumerFor = (runnerName: string): LogConsumer => ({
      name: 'shared',
      orgs: 'all',
      async consume(org, events) {
        for (const e of events) handled.push({ runner: runnerName, org, seq: e.seq });
        return undefined;
      },
    });
    const a = runner(store, { batchEvents: 25, holder: 'proc_a' });
    const b = runner(other, { batchEvents: 25, holder: 'proc_b' });
    a.register(consumerFor('a'));
    b.register(consumerFor('b'));
    await drain(store, [a, b], ['shared']);
    // More events while both run: each org stays with its owner.
    for (const org of orgs) await seed(store, org, 5);
    await drain(store, [a, b], ['shared']);

    orgs.forEach((org, i) => {
      const mine = handled.filter((h) => h.org === org);
      expect(mine.map((h) => h.seq)).toEqual(range(1, 65 + i));
      expect(new Set(mine.map((h) => h.runner)).size).toBe(1);
    });
    const owners = new Set(handled.map((h) => h.runner));
    expect(owners).toEqual(new Set(['a', 'b']));
  });

  it('a dead owner’s lease expires and the other process takes over from the cursor', async () => {
    const postgres = BACKENDS.find((b) => b.name === 'postgres')!;
    const { db, store } = await fresh(postgres);
    const other = await open(db.url);
    const org = await createOrg(store);
    await seed(store, org, 30);
    const first = recorder('owned');
    const a = runner(store, { batchEvents: 10, holder: 'proc_a', leaseMs: 200 });
    a.register(first.consumer);
    await drain(store, [a], ['owned']);
    expect(first.seen.get(org)).toEqual(range(1, 30));
    // proc_a dies without releasing its lease (no stop()); proc_b waits for the lease to expire.
    await seed(store, org, 12);
    const second = recorder('owned');
    const b = runner(other, { batchEvents: 10, holder: 'proc_b', leaseMs: 200 });
    b.register(second.consumer);
    await b.runOnce();
    expect(second.seen.get(org)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 250));
    await drain(other, [b], ['owned']);
    expect(second.seen.get(org)).toEqual(range(31, 42));
  });
});
