import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertChannelView, AlertRuleView, DetectorView } from '../../../src/contracts/alerts.js';
import type { TestServer } from '../../helpers/test-server.js';
import { expectProblem, ingest, SERVER_BACKENDS, type TestOrg, unique } from '../../http/support.js';
import { fromSource, ingestMany, isoAgo, json, listAlerts, settle, waitForAlerts } from './support.js';

/** Custom rules, detector settings and channels through /v1 (manageAlerts), each change recorded. */

for (const backend of SERVER_BACKENDS) {
  describe(`alert rules, detectors and channels (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start({ alerts: true });
      org = await t.createOrg('Rules');
    });
    afterAll(async () => {
      await t?.close();
    });

    const lastEvent = async (action: string) => {
      const res = await t.request(`/v1/events?action=${action}&limit=1`, { key: org.readKey });
      return (
        (await res.json()) as {
          data: Array<{ resource?: { id?: string }; metadata?: Record<string, unknown> }>;
        }
      ).data[0];
    };

    it('creates, reads, replaces and deletes a rule, recording each change', async () => {
      const created = await json<AlertRuleView>(
        await t.request('/v1/alert-rules', {
          key: org.adminKey,
          method: 'POST',
          json: { name: 'Exports', action: 'document.exported', threshold: 3, group_by: 'actor' },
        }),
        201,
      );
      expect(created).toMatchObject({
        name: 'Exports',
        enabled: true,
        action: 'document.exported',
        threshold: 3,
        window_minutes: 5,
        group_by: 'actor',
        cooldown_minutes: 0,
        severity: 'medium',
        channel_ids: null,
      });
      expect((await lastEvent('alert_rule.created'))?.resource?.id).toBe(created.id);

      const replaced = await json<AlertRuleView>(
        await t.request(`/v1/alert-rules/${created.id}`, {
          key: org.adminKey,
          method: 'PUT',
          json: { name: 'Exports', action: 'document.exported', threshold: 5, enabled: false },
        }),
        200,
      );
      expect(replaced).toMatchObject({ threshold: 5, enabled: false, group_by: 'none' });
      const updated = await lastEvent('alert_rule.updated');
      expect(updated?.metadata?.changed_fields).toEqual(
        expect.arrayContaining(['enabled', 'threshold', 'group_by']),
      );

      const got = await json<AlertRuleView>(
        await t.request(`/v1/alert-rules/${created.id}`, { key: org.adminKey }),
        200,
      );
      expect(got).toEqual(replaced);
      const list = await json<{ data: AlertRuleView[] }>(
        await t.request('/v1/alert-rules', { key: org.adminKey }),
        200,
      );
      expect(list.data.map((r) => r.id)).toContain(created.id);

      expect(
        (await t.request(`/v1/alert-rules/${created.id}`, { key: org.adminKey, method: 'DELETE' })).status,
      ).toBe(204);
      expect((await lastEvent('alert_rule.deleted'))?.resource?.id).toBe(created.id);
      await expectProblem(await t.request(`/v1/alert-rules/${created.id}`, { key: org.adminKey }), 404);
    });

    it('refuses a bad rule with a 400 naming the field', async () => {
      const bad = async (body: unknown, path: string) => {
        const res = await t.request('/v1/alert-rules', { key: org.adminKey, method: 'POST', json: body });
        const problem = await expectProblem(res, 400);
        expect(problem.errors?.map((e) => e.path)).toContain(path);
      };
      await bad({ name: 'x', threshold: 0 }, '/threshold');
      await bad({ name: 'x', filters: { ip: 'not an ip' } }, '/filters/ip');
      await bad({ name: 'x', action: 'Bad Action!' }, '/action');
      await bad({ name: 'x', channel_ids: ['chan_missing'] }, '/channel_ids/0');
      await bad({ name: 'x', surprise: 1 }, '/surprise');
    });

    it('is refused without manageAlerts', async () => {
      await expectProblem(await t.request('/v1/alert-rules', { key: org.readKey }), 403);
      await expectProblem(await t.request('/v1/alerts', { key: org.writeKey }), 403);
    });

    it('fires a custom rule per group, then stays quiet for its cool-down', async () => {
      await json(
        await t.request('/v1/alert-rules', {
          key: org.adminKey,
          method: 'POST',
          json: {
            name: 'Bulk export',
            action: 'document.exported',
            threshold: 3,
            window_minutes: 10,
            group_by: 'actor',
            cooldown_minutes: 30,
            severity: 'high',
          },
        }),
        201,
      );
      const ann = { type: 'user', id: unique('ann') };
      const ben = { type: 'user', id: unique('ben') };
      const exported = (actor: object, i: number) => ({
        action: 'document.exported',
        actor,
        occurred_at: isoAgo((20 - i) * 1000),
      });
      await ingestMany(t, org.writeKey, 2, (i) => exported(ann, i));
      let alerts = await settle(t, org.writeKey, org.adminKey);
      expect(alerts.filter((a) => a.source.kind === 'rule')).toEqual([]);
      await ingestMany(t, org.writeKey, 1, (i) => exported(ann, i + 2));
      await waitForAlerts(t, org.adminKey, (list) => list.some((a) => a.group_key === `actor:${ann.id}`));
      // Three more by Ann within the cool-down raise nothing; three by Ben raise his own.
      await ingestMany(t, org.writeKey, 3, (i) => exported(ann, i + 3));
      await ingestMany(t, org.writeKey, 3, (i) => exported(ben, i + 6));
      alerts = await waitForAlerts(t, org.adminKey, (list) =>
        list.some((a) => a.group_key === `actor:${ben.id}`),
      );
      await settle(t, org.writeKey, org.adminKey);
      alerts = (await listAlerts(t, org.adminKey)).filter((a) => a.source.kind === 'rule');
      expect(alerts.map((a) => a.group_key).sort()).toEqual([`actor:${ann.id}`, `actor:${ben.id}`].sort());
      expect(alerts.every((a) => a.source.name === 'Bulk export' && a.severity === 'high')).toBe(true);
      expect(alerts.every((a) => a.matched_count === 3)).toBe(true);
    });

    it('changes detector settings (recorded as detector.updated) and the engine follows them', async () => {
      const before = await json<{ data: DetectorView[] }>(
        await t.request('/v1/alert-detectors', { key: org.adminKey }),
        200,
      );
      expect(before.data.map((d) => d.id)).toContain('bulk_deletion');
      const res = await t.request('/v1/alert-detectors', {
        key: org.adminKey,
        method: 'PATCH',
        json: { bulk_deletion: { threshold: 5 }, member_removed: { enabled: false } },
      });
      const after = await json<{ data: DetectorView[] }>(res, 200);
      const bulk = after.data.find((d) => d.id === 'bulk_deletion')!;
      expect(bulk.settings).toMatchObject({ threshold: 5, window_minutes: 2, enabled: true });
      expect(bulk.overrides).toEqual({ threshold: 5 });
      expect((await lastEvent('detector.updated'))?.metadata?.changed_fields).toEqual([
        'bulk_deletion',
        'member_removed',
      ]);

      const actor = { type: 'user', id: unique('deleter') };
      await ingestMany(t, org.writeKey, 5, (i) => ({
        action: 'file.delete',
        actor,
        occurred_at: isoAgo((10 - i) * 1000),
      }));
      await ingest(t, org.writeKey, [{ action: 'member.removed', actor }]);
      const alerts = await settle(t, org.writeKey, org.adminKey);
      expect(
        fromSource(alerts, 'bulk_deletion').filter((a) => a.group_key === `actor:${actor.id}`),
      ).toHaveLength(1);
      expect(fromSource(alerts, 'member_removed').filter((a) => a.group_key === `actor:${actor.id}`)).toEqual(
        [],
      );

      const problem = await expectProblem(
        await t.request('/v1/alert-detectors', {
          key: org.adminKey,
          method: 'PATCH',
          json: { bulk_deletion: { threshold: 1 } },
        }),
        400,
      );
      expect(problem.errors?.[0]?.path).toBe('/bulk_deletion/threshold');
    });

    it('keeps channel secrets write-only and records channel changes without them', async () => {
      const created = await json<AlertChannelView & { secret?: string }>(
        await t.request('/v1/alert-channels', {
          key: org.adminKey,
          method: 'POST',
          json: { name: 'Hook', type: 'webhook', url: 'http://127.0.0.1:9/hook' },
        }),
        201,
      );
      expect(created.secret).toMatch(/^whsec_/);
      expect(created).toMatchObject({
        type: 'webhook',
        url: 'http://127.0.0.1:9/hook',
        has_secret: true,
        enabled: true,
      });
      const slack = await json<AlertChannelView>(
        await t.request('/v1/alert-channels', {
          key: org.adminKey,
          method: 'POST',
          json: { name: 'Slack', type: 'slack', url: 'http://127.0.0.1:9/services/T0/B0/secretpart' },
        }),
        201,
      );
      const listed = await (await t.request('/v1/alert-channels', { key: org.adminKey })).text();
      expect(listed).not.toContain(created.secret!);
      expect(listed).not.toContain('secretpart');
      const log = await (
        await t.request('/v1/events?action=alert_channel.created', { key: org.readKey })
      ).text();
      expect(log).not.toContain(created.secret!);
      expect(log).not.toContain('secretpart');

      const patched = await json<AlertChannelView>(
        await t.request(`/v1/alert-channels/${slack.id}`, {
          key: org.adminKey,
          method: 'PATCH',
          json: { enabled: false, url: 'http://127.0.0.1:9/services/T0/B0/otherpart' },
        }),
        200,
      );
      expect(patched.enabled).toBe(false);
      const updated = await lastEvent('alert_channel.updated');
      expect(updated?.metadata?.changed_fields).toEqual(expect.arrayContaining(['enabled', 'secret']));
      expect(JSON.stringify(updated)).not.toContain('otherpart');

      await expectProblem(
        await t.request('/v1/alert-channels', {
          key: org.adminKey,
          method: 'POST',
          json: { name: 'x', type: 'email' },
        }),
        400,
      );
      await expectProblem(
        await t.request('/v1/alert-channels', {
          key: org.adminKey,
          method: 'POST',
          json: { name: 'x', type: 'webhook', url: 'ftp://example.com' },
        }),
        400,
      );
      expect(
        (await t.request(`/v1/alert-channels/${slack.id}`, { key: org.adminKey, method: 'DELETE' })).status,
      ).toBe(204);
      expect((await lastEvent('alert_channel.deleted'))?.resource?.id).toBe(slack.id);
    });

    it('lists alerts by status with a cursor, and acknowledges and resolves them', async () => {
      const all = await listAlerts(t, org.adminKey);
      expect(all.length).toBeGreaterThan(3);
      const page1 = await json<{ data: Array<{ id: string }>; next_cursor: string }>(
        await t.request('/v1/alerts?limit=2', { key: org.adminKey }),
        200,
      );
      const page2 = await json<{ data: Array<{ id: string }> }>(
        await t.request(`/v1/alerts?limit=2&cursor=${page1.next_cursor}`, { key: org.adminKey }),
        200,
      );
      expect([...page1.data, ...page2.data].map((a) => a.id)).toEqual(all.slice(0, 4).map((a) => a.id));

      const target = all[0]!;
      const acked = await json<{ status: string; acknowledged_by: string }>(
        await t.request(`/v1/alerts/${target.id}/acknowledge`, { key: org.adminKey, method: 'POST' }),
        200,
      );
      expect(acked.status).toBe('acknowledged');
      expect((await lastEvent('alert.acknowledged'))?.resource?.id).toBe(target.id);
      const open = await listAlerts(t, org.adminKey, { status: 'open' });
      expect(open.map((a) => a.id)).not.toContain(target.id);
      const resolved = await json<{ status: string }>(
        await t.request(`/v1/alerts/${target.id}/resolve`, { key: org.adminKey, method: 'POST' }),
        200,
      );
      expect(resolved.status).toBe('resolved');
      expect((await lastEvent('alert.resolved'))?.resource?.id).toBe(target.id);
      await expectProblem(
        await t.request(`/v1/alerts/${target.id}/acknowledge`, { key: org.adminKey, method: 'POST' }),
        409,
      );
      await expectProblem(await t.request('/v1/alerts?status=bogus', { key: org.adminKey }), 400);
      await expectProblem(await t.request('/v1/alerts/alert_nope', { key: org.adminKey }), 404);
    });
  });
}
