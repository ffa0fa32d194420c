import { afterAll, describe, expect, it } from 'vitest';
import type { AlertView } from '../../../src/contracts/alerts.js';
import { verifyWebhook } from '../../../src/delivery/standard-webhooks.js';
import { BACKENDS, type TestDatabase } from '../../helpers/backends.js';
import { HttpReceiver } from '../../helpers/receivers/http-receiver.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { ingest, type TestOrg, unique } from '../../http/support.js';
import { ingestMany, isoAgo, json, listAlerts, settle } from './support.js';

/**
 * Issue 15 acceptance: two Trailmark processes on one PostgreSQL database, both taking events
 * and both running the alerts consumer and the notifier: each alert is stored, recorded and
 * sent once.
 */

const postgres = BACKENDS.find((b) => b.name === 'postgres');
if (!postgres) console.warn('two-process alert tests skipped: TRAILMARK_TEST_PG_URL is unset');

type AlertBody = { alert: { id: string } };

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe.skipIf(!postgres)('alerts with two processes on one PostgreSQL', () => {
  let db: TestDatabase;
  const servers: TestServer[] = [];
  const receiver = new HttpReceiver({
    check: (request) =>
      verifyWebhook(SECRET, request.headers, request.body)
        ? { status: 401, body: 'bad signature' }
        : undefined,
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await receiver.close();
    await db?.drop();
  });

  // Generous waits: on a loaded 2-core machine a send can time out and go again after its backoff.
  it('fires and sends each alert once', { timeout: 150_000 }, async () => {
    db = await postgres!.databaseUrl();
    await receiver.start();
    servers.push(await startTestServer({ databaseUrl: db.url, alerts: true }));
    servers.push(await startTestServer({ databaseUrl: db.url, alerts: true }));
    const [a, b] = servers as [TestServer, TestServer];
    const org: TestOrg = await a.createOrg('Twice');
    await json(
      await a.request('/v1/alert-channels', {
        key: org.adminKey,
        method: 'POST',
        json: { name: 'Hook', type: 'webhook', url: receiver.url, secret: SECRET },
      }),
      201,
    );
    const actors = Array.from({ length: 4 }, () => ({ type: 'user', id: unique('actor') }));
    // Both processes take a share of every burst, interleaved.
    for (let round = 0; round < 10; round++) {
      for (const [i, actor] of actors.entries()) {
        const server = (round + i) % 2 === 0 ? a : b;
        await ingest(server, org.writeKey, [
          { action: 'user.login_failed', actor, occurred_at: isoAgo((20 - round) * 5000) },
          { action: 'api_key.created', actor, resource: { type: 'api_key', id: `k_${round}` } },
        ]);
      }
    }
    await ingestMany(b, org.writeKey, 50, (i) => ({
      action: 'row.deleted',
      actor: actors[0],
      occurred_at: isoAgo(60_000 - i * 100),
    }));
    await settle(a, org.writeKey, org.adminKey);
    await settle(b, org.writeKey, org.adminKey);

    const alerts = await listAlerts(a, org.adminKey);
    const keys = alerts.map((x) => `${x.source.id} ${x.group_key} ${x.window_start}`);
    expect(new Set(keys).size).toBe(keys.length);
    const spikes = alerts.filter((x) => x.source.id === 'failed_login_spike');
    expect(spikes.map((x) => x.group_key).sort()).toEqual(actors.map((x) => `actor:${x.id}`).sort());
    expect(
      alerts.filter(
        (x) => x.source.id === 'api_key_created' && actors.some((y) => x.group_key === `actor:${y.id}`),
      ),
    ).toHaveLength(40);
    expect(alerts.filter((x) => x.source.id === 'bulk_deletion')).toHaveLength(1);

    const recorded = await a.request('/v1/events?action=alert.triggered&limit=1000', { key: org.readKey });
    expect(((await recorded.json()) as { data: unknown[] }).data).toHaveLength(alerts.length);

    // The org's own keys, created with it before the channel, may raise alerts while no channel
    // exists yet (when the consumer gets to them first): those are not queued. Every alert of the
    // events sent after the channel is queued, and reaches the webhook once.
    const ownKeys = (x: AlertView) =>
      x.source.id === 'api_key_created' && !/^actor:(actor|marker)_/.test(x.group_key);
    expect(alerts.filter((x) => !ownKeys(x) && x.deliveries.length === 0)).toEqual([]);
    const queued = alerts.filter((x) => x.deliveries.length > 0).map((x) => x.id);
    const sentIds = () => receiver.accepted.map((r) => (JSON.parse(r.body.toString()) as AlertBody).alert.id);
    await receiver
      .waitFor(() => receiver.accepted.length >= queued.length, 90_000)
      .catch(async (error) => {
        // Say which alerts were not sent and how their deliveries stand.
        const got = new Set(sentIds());
        const missing = (await listAlerts(a, org.adminKey)).filter(
          (x) => queued.includes(x.id) && !got.has(x.id),
        );
        throw new Error(
          `${(error as Error).message}: ${receiver.seen} requests seen, ${got.size} accepted; not sent: ${JSON.stringify(missing)}`,
        );
      });
    await new Promise((r) => setTimeout(r, 1500));
    expect(sentIds().sort()).toEqual(queued.sort());
  });
});
