import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../src/delivery/standard-webhooks.js';
import { freePort } from '../faults/ports.js';
import { FAULTS_ADMIN_KEY, killServerProcesses, startServerProcess } from '../faults/server-process.js';
import { BACKENDS } from '../helpers/backends.js';
import { SyslogReceiver } from '../helpers/receivers/syslog-receiver.js';
import { WebhookReceiver } from '../helpers/receivers/webhook-receiver.js';
import { tempDir } from '../helpers/temp.js';
import type { TestServer } from '../helpers/test-server.js';
import { headSeq, SERVER_BACKENDS } from '../http/support.js';
import { createStream, expectEveryEventInOrder, getStream, ingestMany, until } from './stream-support.js';

/**
 * Streams under faults: the receiver answering 500s, slowly, dropping connections mid-batch,
 * down for a while; and the Trailmark process killed with SIGKILL mid-delivery. Every event still
 * arrives, in seq order; a duplicate only follows a retry and carries the same id; ingest is
 * answered 201 throughout.
 */

const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as { seq: number; id: string });

for (const backend of SERVER_BACKENDS) {
  describe(`stream delivery under faults on ${backend.name}`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await backend.start();
    });
    afterAll(async () => {
      await t?.close();
    });

    it('a webhook failing, slow, dropping connections and down gets every event once it recovers', async () => {
      const org = await t.createOrg();
      const secret = generateWebhookSecret();
      const receiver = await new WebhookReceiver(secret).start();
      try {
        const from = (await headSeq(t, org.readKey)) + 1;
        const stream = await createStream(t, org, {
          name: 'faulty',
          format: 'native',
          destination: { type: 'webhook', url: receiver.url, secret },
          batch: { max_wait_ms: 0, max_events: 20 },
        });
        await ingestMany(t, org, 40);
        receiver.failNext(3, 500);
        await ingestMany(t, org, 40);
        await until(async () => (await getStream(t, org, stream.id)).delivery.last_error !== null);
        receiver.answerAfter(300);
        await ingestMany(t, org, 40);
        await until(() => receiver.accepted.length > 3);
        receiver.answerAfter(0);
        receiver.dropNext(2);
        await ingestMany(t, org, 40);
        await receiver.down();
        await ingestMany(t, org, 60);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await receiver.up();
        const head = await headSeq(t, org.readKey);
        await until(() => parsed(receiver.lines).some((e) => e.seq === head), 120_000);
        await expectEveryEventInOrder(t, org, parsed(receiver.lines), from);
        await until(async () => (await getStream(t, org, stream.id)).delivery.failing_since === null);
        expect((await getStream(t, org, stream.id)).delivery.last_error).toMatch(/failed/);
      } finally {
        await receiver.close();
      }
    }, 180_000);

    it('a syslog receiver that goes down and comes back gets every event after the retry', async () => {
      const org = await t.createOrg();
      const receiver = await new SyslogReceiver().start();
      try {
        const from = (await headSeq(t, org.readKey)) + 1;
        await createStream(t, org, {
          name: 'syslog',
          format: 'native',
          destination: { type: 'syslog', host: '127.0.0.1', port: receiver.port },
          batch: { max_wait_ms: 0, max_events: 20 },
        });
        await ingestMany(t, org, 40);
        // Down once it has read what was sent: syslog has no acknowledgement, so frames a receiver
        // drops unread after the connection took them are lost (docs/streams.md). Refused
        // connections while it is down are retried until it is back.
        const firstHead = await headSeq(t, org.readKey);
        await until(() =>
          receiver.messages.some((m) => Number(m.structuredData[0]!.params.seq) === firstHead),
        );
        await receiver.down();
        await ingestMany(t, org, 40);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await receiver.up();
        const head = await headSeq(t, org.readKey);
        const delivered = () =>
          receiver.messages.map((m) => ({
            seq: Number(m.structuredData[0]!.params.seq),
            id: m.structuredData[0]!.params.id!,
          }));
        await until(() => delivered().some((e) => e.seq === head), 120_000);
        await expectEveryEventInOrder(t, org, delivered(), from);
      } finally {
        await receiver.close();
      }
    }, 180_000);
  });
}

describe('stream delivery across a SIGKILL of the Trailmark process', () => {
  afterAll(() => killServerProcesses());

  for (const backend of BACKENDS) {
    it(`on ${backend.name}: every event arrives after the restart, ingest unaffected`, async () => {
      const dir = tempDir();
      const database =
        backend.name === 'sqlite'
          ? { url: `${dir.path}/trailmark.db`, drop: async () => {} }
          : await backend.databaseUrl();
      const port = await freePort();
      const secret = generateWebhookSecret();
      const receiver = await new WebhookReceiver(secret).start();
      // Slow answers keep deliveries in flight when the process dies.
      receiver.answerAfter(150);
      let server = await startServerProcess({ databaseUrl: database.url, port });
      try {
        const t = await startTestClient(server.url);
        const org = await t.createOrg();
        const from = (await headSeq(t, org.readKey)) + 1;
        await createStream(t, org, {
          name: 'killed',
          format: 'native',
          destination: { type: 'webhook', url: receiver.url, secret },
          batch: { max_wait_ms: 0, max_events: 10 },
        });
        await ingestMany(t, org, 200);
        await until(() => receiver.accepted.length >= 2);
        await server.kill();
        server = await startServerProcess({ databaseUrl: database.url, port });
        await ingestMany(t, org, 50);
        const head = await headSeq(t, org.readKey);
        await until(() => parsed(receiver.lines).some((e) => e.seq === head), 120_000);
        await expectEveryEventInOrder(t, org, parsed(receiver.lines), from);
      } finally {
        await server.stop().catch(() => undefined);
        await receiver.close();
        await database.drop();
        dir.remove();
      }
    }, 240_000);
  }
});

/** The test server's request helpers, against a server running in another process. */
async function startTestClient(url: string): Promise<TestServer> {
  const request: TestServer['request'] = (path, init = {}) => {
    const { key = FAULTS_ADMIN_KEY, json, headers, ...rest } = init;
    const h = new Headers(headers);
    if (key) h.set('authorization', `Bearer ${key}`);
    if (json !== undefined) h.set('content-type', 'application/json');
    return fetch(url + path, {
      ...rest,
      headers: h,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
  };
  let n = 0;
  return {
    url,
    server: undefined as never,
    request,
    async createOrg(name = 'Org') {
      n += 1;
      const res = await request('/v1/orgs', { method: 'POST', json: { name: `${name} ${n}` } });
      const org = (await res.json()) as { id: string };
      const key = async (scopes: string[]) => {
        const r = await request(`/v1/orgs/${org.id}/api-keys`, {
          method: 'POST',
          json: { name: scopes.join('+'), scopes },
        });
        return ((await r.json()) as { key: string }).key;
      };
      return {
        id: org.id,
        writeKey: await key(['events:write']),
        readKey: await key(['events:read']),
        adminKey: await key(['admin']),
      };
    },
    async close() {},
  };
}
