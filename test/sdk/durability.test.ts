import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../helpers/backends.js';
import {
  type ChildServer,
  call,
  freePort,
  killChildren,
  startChildServer,
  storedEvents,
  testClient,
} from './support.js';

/**
 * The Acceptance's kill test: while the SDK records a stream of events, the server process is
 * killed with SIGKILL and started again on the same port. Afterwards every recorded event is
 * stored exactly once, under the id the SDK gave it: the SDK retried what was not acknowledged,
 * and the server recognised by id what had been stored but not answered.
 */

const ADMIN_KEY = 'tmk_sdk_durability_admin_key_0123456789abcdefgh';
const EVENTS = 3000;
const KILL_AFTER_ACKNOWLEDGED = 1000;

afterAll(() => killChildren());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function setUpOrg(url: string): Promise<{ writeKey: string; readKey: string }> {
  const res = await call(url, ADMIN_KEY, '/v1/orgs', {
    method: 'POST',
    body: JSON.stringify({ name: 'Killed' }),
  });
  const org = (await res.json()) as { id: string };
  const key = async (scopes: string[]) => {
    const r = await call(url, ADMIN_KEY, `/v1/orgs/${org.id}/api-keys`, {
      method: 'POST',
      body: JSON.stringify({ name: scopes.join(','), scopes }),
    });
    return ((await r.json()) as { key: string }).key;
  };
  return { writeKey: await key(['events:write']), readKey: await key(['events:read']) };
}

for (const backend of BACKENDS) {
  describe(`the server killed mid-stream (${backend.name})`, () => {
    let db: TestDatabase | undefined;
    let server: ChildServer | undefined;
    afterAll(async () => {
      await server?.stop();
      await db?.drop();
    });

    it('loses and duplicates nothing', async () => {
      db = await backend.databaseUrl();
      const port = await freePort();
      server = await startChildServer(db.url, port, ADMIN_KEY);
      const org = await setUpOrg(server.url);
      const { client, errors } = testClient({
        url: server.url,
        apiKey: org.writeKey,
        batchSize: 50,
        maxQueue: EVENTS,
        retry: { baseDelayMs: 50, maxDelayMs: 500 },
      });

      const recorded: string[] = [];
      const producing = (async () => {
        for (let i = 0; i < EVENTS; i++) {
          const { id, queued } = await client.record({
            action: 'ledger.entry_posted',
            actor: { type: 'service', id: 'ledger' },
            resource: { type: 'entry', id: `entry_${i}` },
            metadata: { i },
          });
          expect(queued).toBe(true);
          recorded.push(id);
          // A steady stream rather than one burst, so the kill lands in the middle of it.
          if (i % 25 === 24) await sleep(2);
        }
      })();

      while (client.stats().acknowledged < KILL_AFTER_ACKNOWLEDGED) await sleep(5);
      const killed = server;
      process.kill(killed.process.pid!, 'SIGKILL');
      expect(await killed.exited).toBe(null);
      const acknowledgedAtKill = client.stats().acknowledged;
      await sleep(300);
      server = await startChildServer(db.url, port, ADMIN_KEY);

      await producing;
      await client.flush();
      expect(errors).toEqual([]);
      expect(acknowledgedAtKill).toBeLessThan(EVENTS);
      // The kill was felt: requests failed and were sent again.
      expect(client.stats().retries).toBeGreaterThan(0);
      expect(client.stats().acknowledged).toBe(EVENTS);

      // Trailmark's own events (the org and its keys) aside.
      const stored = await storedEvents(
        { request: (path, init) => call(server!.url, org.readKey, path, init) },
        org.readKey,
        { action: 'ledger.entry_posted' },
      );
      const ids = stored.map((e) => e.id);
      expect(ids).toHaveLength(EVENTS);
      expect(new Set(ids).size).toBe(EVENTS);
      expect([...ids].sort()).toEqual([...recorded].sort());
      await client.shutdown();
    }, 240_000);
  });
}
