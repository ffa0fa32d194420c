import { afterAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import { BACKENDS, type TestDatabase } from '../../helpers/backends.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { ingest, type TestOrg, unique } from '../../http/support.js';
import { fromSource, ingestMany, isoAgo, listAlerts, settle, waitForAlerts } from './support.js';

/**
 * A restart in the middle of a burst neither loses the alert nor raises it twice, and events
 * handed to the consumer again (as after a crash before its cursor committed) raise nothing new.
 */

for (const backend of BACKENDS) {
  describe(`alerts across a restart (${backend.name})`, () => {
    let db: TestDatabase;
    let t: TestServer | undefined;
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('fires once for a burst split by a restart, and not again for a replay', async () => {
      db = await backend.databaseUrl();
      t = await startTestServer({ databaseUrl: db.url, alerts: true });
      const org: TestOrg = await t.createOrg('Restart');
      const actor = { type: 'user', id: unique('victim') };
      const failed = (i: number) => ({
        action: 'user.login_failed',
        actor,
        occurred_at: isoAgo((12 - i) * 10_000),
      });
      await ingestMany(t, org.writeKey, 6, failed);
      await settle(t, org.writeKey, org.adminKey);
      await t.close();

      t = await startTestServer({ databaseUrl: db.url, alerts: true });
      await ingestMany(t, org.writeKey, 4, (i) => failed(i + 6));
      await waitForAlerts(t, org.adminKey, (list) => fromSource(list, 'failed_login_spike').length > 0);
      await settle(t, org.writeKey, org.adminKey);
      const before = await listAlerts(t, org.adminKey);
      const spikes = fromSource(before, 'failed_login_spike');
      expect(spikes).toHaveLength(1);
      expect(spikes[0]!.matched_count).toBe(10);

      // The whole log again, as a consumer whose cursor was lost would be handed it.
      const events: StoredEvent[] = [];
      for await (const event of t.server.ctx.store.streamChain(org.id, 1)) events.push(event);
      await t.server.ctx.alerting.consumer.consume(org.id, events);
      t.server.ctx.alerting.consumer.forget(org.id);
      await t.server.ctx.alerting.consumer.consume(org.id, events);
      await ingest(t, org.writeKey, [{ action: 'template.created', actor }]);
      await settle(t, org.writeKey, org.adminKey);
      const after = await listAlerts(t, org.adminKey);
      expect(after.length).toBe(before.length + 1);
      const triggered = await t.request('/v1/events?action=alert.triggered&limit=1000', { key: org.readKey });
      const recorded = ((await triggered.json()) as { data: unknown[] }).data;
      expect(recorded).toHaveLength(after.length);
    });
  });
}
