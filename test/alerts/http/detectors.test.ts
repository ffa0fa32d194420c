import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../helpers/test-server.js';
import { ingest, SERVER_BACKENDS, type TestOrg, unique } from '../../http/support.js';
import { fromSource, ingestMany, isoAgo, listAlerts, settle, waitForAlerts } from './support.js';

/**
 * Issue 15 acceptance: real event sequences through the HTTP API raise the built-in detectors'
 * alerts exactly when they should, each recorded as alert.triggered by Trailmark itself.
 */

const MINUTE = 60_000;

for (const backend of SERVER_BACKENDS) {
  describe(`built-in detectors over HTTP (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start({ alerts: true });
      org = await t.createOrg('Detectors');
    });
    afterAll(async () => {
      await t?.close();
    });

    it('fires on 10 failed logins for one actor within 5 minutes, not on 9', async () => {
      const actor = { type: 'user', id: unique('victim'), email: 'victim@example.com' };
      const failed = (i: number) => ({
        action: 'user.login_failed',
        actor,
        occurred_at: isoAgo((10 - i) * 20_000),
      });
      await ingestMany(t, org.writeKey, 9, failed);
      let alerts = await settle(t, org.writeKey, org.adminKey);
      expect(
        fromSource(alerts, 'failed_login_spike').filter((a) => a.group_key === `actor:${actor.id}`),
      ).toEqual([]);

      await ingest(t, org.writeKey, [failed(9)]);
      alerts = await waitForAlerts(t, org.adminKey, (list) =>
        list.some((a) => a.source.id === 'failed_login_spike' && a.group_key === `actor:${actor.id}`),
      );
      const [alert, ...more] = fromSource(alerts, 'failed_login_spike').filter(
        (a) => a.group_key === `actor:${actor.id}`,
      );
      expect(more).toEqual([]);
      expect(alert).toMatchObject({ matched_count: 10, severity: 'high', status: 'open' });
      expect(alert!.sample_event_ids).toHaveLength(10);
      expect(alert!.event_filter).toMatchObject({ actor: actor.id });

      // Recorded in the org's own log by Trailmark, not by a person.
      const res = await t.request(`/v1/events?action=alert.triggered&resource_id=${alert!.id}`, {
        key: org.readKey,
      });
      const events = (
        (await res.json()) as { data: Array<{ actor: { type: string }; resource: { id: string } }> }
      ).data;
      expect(events).toHaveLength(1);
      expect(events[0]!.actor.type).toBe('system');
    });

    it('fires when an actor signs in from the US, then from Germany', async () => {
      const actor = { type: 'user', id: unique('traveller') };
      await ingest(t, org.writeKey, [
        { action: 'user.login', actor, context: { ip: '3.3.3.3' }, occurred_at: isoAgo(10 * MINUTE) },
        { action: 'user.login', actor, context: { ip: '3.3.3.3' }, occurred_at: isoAgo(5 * MINUTE) },
      ]);
      let alerts = await settle(t, org.writeKey, org.adminKey);
      expect(
        fromSource(alerts, 'new_country_sign_in').filter((a) => a.group_key === `actor:${actor.id}`),
      ).toEqual([]);
      await ingest(t, org.writeKey, [{ action: 'user.login', actor, context: { ip: '78.46.0.1' } }]);
      alerts = await waitForAlerts(t, org.adminKey, (list) =>
        list.some((a) => a.source.id === 'new_country_sign_in' && a.group_key === `actor:${actor.id}`),
      );
      const found = fromSource(alerts, 'new_country_sign_in').filter(
        (a) => a.group_key === `actor:${actor.id}`,
      );
      expect(found).toHaveLength(1);
      expect(found[0]!.details).toMatchObject({ country: 'DE', known_countries: ['US'] });
    });

    it('fires once for a key created, a role changed and a member removed', async () => {
      const admin = { type: 'user', id: unique('admin') };
      await ingest(t, org.writeKey, [
        { action: 'api_key.created', actor: admin, resource: { type: 'api_key', id: 'key_x', name: 'CI' } },
        { action: 'member.role_changed', actor: admin, resource: { type: 'member', id: 'u_9' } },
        { action: 'member.removed', actor: admin, resource: { type: 'member', id: 'u_8' } },
        { action: 'template.created', actor: admin },
      ]);
      const alerts = await waitForAlerts(
        t,
        org.adminKey,
        (list) => list.filter((a) => a.group_key === `actor:${admin.id}`).length >= 3,
      );
      const mine = alerts.filter((a) => a.group_key === `actor:${admin.id}`);
      expect(mine.map((a) => a.source.id).sort()).toEqual([
        'api_key_created',
        'member_removed',
        'role_changed',
      ]);
      await settle(t, org.writeKey, org.adminKey);
      expect(
        (await listAlerts(t, org.adminKey)).filter((a) => a.group_key === `actor:${admin.id}`),
      ).toHaveLength(3);
    });

    it("fires on Trailmark's own api_key.created when a key is made through the API", async () => {
      const res = await t.request('/v1/api-keys', {
        key: org.adminKey,
        method: 'POST',
        json: { name: 'made here', scopes: ['events:read'] },
      });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      await waitForAlerts(t, org.adminKey, (list) =>
        list.some((a) => a.source.id === 'api_key_created' && JSON.stringify(a.details).includes(id)),
      );
    });

    it('fires on 50 deletions by one actor within 2 minutes, not on 49', async () => {
      const actor = { type: 'user', id: unique('wiper') };
      const del = (i: number) => ({
        action: 'template.deleted',
        actor,
        resource: { type: 'template', id: `tpl_${i}` },
        occurred_at: isoAgo(90_000 - i * 1000),
      });
      await ingestMany(t, org.writeKey, 49, del);
      let alerts = await settle(t, org.writeKey, org.adminKey);
      expect(fromSource(alerts, 'bulk_deletion').filter((a) => a.group_key === `actor:${actor.id}`)).toEqual(
        [],
      );
      await ingest(t, org.writeKey, [del(49)]);
      alerts = await waitForAlerts(t, org.adminKey, (list) =>
        list.some((a) => a.source.id === 'bulk_deletion' && a.group_key === `actor:${actor.id}`),
      );
      const found = fromSource(alerts, 'bulk_deletion').filter((a) => a.group_key === `actor:${actor.id}`);
      expect(found).toHaveLength(1);
      expect(found[0]!.matched_count).toBe(50);
    });

    it("fires when a key's request rate jumps 20-fold over its baseline", async () => {
      const key = { type: 'api_key', id: unique('key') };
      const request = (at: string) => ({
        action: 'api.request',
        actor: key,
        occurred_at: at,
        request: { method: 'GET', path: '/api/things', status_code: 200, duration_ms: 5 },
      });
      // Ten requests a minute for the ten minutes before this one: the baseline.
      const thisMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
      const history: Record<string, unknown>[] = [];
      for (let m = 10; m >= 1; m--) {
        for (let i = 0; i < 10; i++)
          history.push(request(new Date(thisMinute - m * MINUTE + i * 1000).toISOString()));
      }
      await ingest(t, org.writeKey, history);
      let alerts = await settle(t, org.writeKey, org.adminKey);
      expect(fromSource(alerts, 'api_usage_spike')).toEqual([]);
      // Then 200 within this minute: 20 times the baseline, past the floor of 100.
      const at = new Date(thisMinute + 100).toISOString();
      await ingestMany(t, org.writeKey, 200, () => request(at));
      alerts = await waitForAlerts(t, org.adminKey, (list) => fromSource(list, 'api_usage_spike').length > 0);
      const found = fromSource(alerts, 'api_usage_spike');
      expect(found).toHaveLength(1);
      expect(found[0]!.group_key).toBe(`key:${key.id}`);
      expect(found[0]!.details).toMatchObject({ baseline: 10 });
    });
  });
}
