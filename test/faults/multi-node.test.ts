import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../helpers/backends.js';
import { IngestLoad } from './ingest-load.js';
import { freePort } from './ports.js';
import {
  FAULTS_ADMIN_KEY,
  killServerProcesses,
  type ServerProcess,
  startServerProcess,
} from './server-process.js';

/**
 * SPEC §9: several Trailmark processes on one PostgreSQL database. Three real server processes
 * ingest into the same org at once, one of them is killed with SIGKILL while its commits run,
 * and the org's chain must come out linear and gapless, verify, and hold every event any of the
 * three acknowledged, with the hash it was acknowledged with.
 */
const postgres = BACKENDS.find((b) => b.name === 'postgres');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(url: string, path: string, key: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${key}`);
  if (init.body) headers.set('content-type', 'application/json');
  return fetch(url + path, { ...init, headers, signal: AbortSignal.timeout(120_000) });
}

async function created<T>(res: Response): Promise<T> {
  if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe.skipIf(!postgres)('several server processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    database = await postgres!.databaseUrl();
    // Started together on a fresh database: their migrations take turns.
    const started = await Promise.all(
      [0, 1, 2].map(async () =>
        startServerProcess({
          databaseUrl: database.url,
          port: await freePort(),
          // Checkpoints are signed during the run, by whichever process holds the lease.
          env: { TRAILMARK_CHECKPOINT_EVERY: '500', TRAILMARK_CHECKPOINT_MAX_AGE_SECONDS: '1' },
        }),
      ),
    );
    servers.push(...started);
  });
  afterAll(async () => {
    for (const server of servers) await server.kill();
    killServerProcesses();
    await database?.drop();
  });

  it('keeps one gapless, verifiable chain with every acknowledged event when a node is SIGKILLed mid-run', async () => {
    const [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess];
    const org = await created<{ id: string }>(
      await call(a.url, '/v1/orgs', FAULTS_ADMIN_KEY, {
        method: 'POST',
        body: JSON.stringify({ name: 'Multi' }),
      }),
    );
    const key = async (scopes: string[]) =>
      (
        await created<{ key: string }>(
          await call(b.url, `/v1/orgs/${org.id}/api-keys`, FAULTS_ADMIN_KEY, {
            method: 'POST',
            body: JSON.stringify({ name: scopes.join(','), scopes }),
          }),
        )
      ).key;
    const writeKey = await key(['events:write']);
    const readKey = await key(['events:read']);

    const loads = servers.map(
      (server, n) =>
        new IngestLoad({ url: server.url, key: writeKey, writers: 4, batchSize: 25, idPrefix: `n${n}_` }),
    );
    for (const load of loads) load.start();
    await sleep(2500);
    const beforeKill = loads[1]!.acknowledgedCount;
    await b.kill();
    await loads[1]!.stop();
    const afterKill = [loads[0]!.acknowledgedCount, loads[2]!.acknowledgedCount];
    await sleep(2000);
    await Promise.all([loads[0]!.stop(), loads[2]!.stop()]);

    // Every node took part, and the survivors kept acknowledging after the kill.
    expect(beforeKill).toBeGreaterThan(0);
    expect(loads[0]!.acknowledgedCount).toBeGreaterThan(afterKill[0]!);
    expect(loads[2]!.acknowledgedCount).toBeGreaterThan(afterKill[1]!);
    // Only the killed node's clients saw failures, and only network ones.
    for (const n of [0, 2]) expect(loads[n]!.failures).toEqual([]);
    expect(loads[1]!.failures.every((f) => f.status === 0)).toBe(true);

    const range = 'from=1970-01-01T00:00:00.000Z&to=2100-01-01T00:00:00.000Z';
    const exported = await call(c.url, `/v1/events/export.jsonl?${range}`, readKey);
    expect(exported.status).toBe(200);
    const stored = new Map<string, { seq: number; hash: string }>();
    for (const line of (await exported.text()).split('\n')) {
      if (!line) continue;
      const event = JSON.parse(line) as { id: string; seq: number; hash: string };
      stored.set(event.id, { seq: event.seq, hash: event.hash });
    }
    const lost: string[] = [];
    for (const load of loads) {
      for (const [id, hash] of load.acknowledged) if (stored.get(id)?.hash !== hash) lost.push(id);
    }
    expect(lost).toEqual([]);

    // Gapless from 1 to the head, whichever node took each request.
    const seqs = [...stored.values()].map((e) => e.seq).sort((x, y) => x - y);
    expect(seqs[0]).toBe(1);
    expect(seqs.every((seq, i) => seq === i + 1)).toBe(true);
    const verify = await call(a.url, '/v1/chain/verify', readKey, { method: 'POST' });
    const report = (await verify.json()) as {
      ok: boolean;
      checked: number;
      first_seq: number;
      last_seq: number;
      checkpoints_checked: number;
    };
    expect(verify.status).toBe(200);
    // The export itself may be recorded in the chain after what it returned.
    expect(report).toMatchObject({ ok: true, first_seq: 1 });
    expect(report.checked).toBe(report.last_seq);
    expect(report.last_seq).toBeGreaterThanOrEqual(seqs.length);
    expect(report.checkpoints_checked).toBeGreaterThan(0);

    for (const server of [a, c]) expect(server.alive()).toBe(true);
    expect(a.output() + c.output()).not.toMatch(/"job failed"|unhandled error/);
  }, 120_000);
});
