import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgPurge } from '../../src/workers/retention.js';
import { tempDir } from '../helpers/temp.js';
import { exportTo, ingest, savePublicKeys, type TestOrg, verifyOffline, verifyOnline } from './support.js';
import { BACKENDS } from './tamper-backends.js';

const DAY = 24 * 60 * 60 * 1000;

/**
 * Retention with a clock the tests control: the server's `now` decides when events are received,
 * when checkpoints are signed and what the purge considers expired.
 */
for (const backend of BACKENDS) {
  describe(`retention on ${backend.name}`, () => {
    let clock = Date.parse('2026-01-01T00:00:00.000Z');
    const files = tempDir();
    let s: Awaited<ReturnType<(typeof backend)['start']>>;
    let org: TestOrg;
    const signAll = () => s.t.server.ctx.background.checkpointer.signAll();
    const purge = () => s.t.server.ctx.background.retention.runNow();

    beforeAll(async () => {
      s = await backend.start({ now: () => new Date(clock), config: { checkpointEveryEvents: 50 } });
      org = await s.t.createOrg();
    });
    afterAll(async () => {
      await s.close();
      files.remove();
    });

    it('validates retention settings, naming the field', async () => {
      const bad = [
        [{ retention_days: 0 }, '/retention_days'],
        [{ retention_days: 3651 }, '/retention_days'],
        [{ retention_days: 30.5 }, '/retention_days'],
        [{ request_retention_days: 0 }, '/request_retention_days'],
        [{ legal_hold: 'yes' }, '/legal_hold'],
        [{ colour: 'red' }, '/colour'],
      ] as const;
      for (const [body, path] of bad) {
        const res = await s.t.request(`/v1/orgs/${org.id}`, {
          method: 'PATCH',
          key: org.adminKey,
          json: body,
        });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/problem\+json/);
        const problem = (await res.json()) as { errors: Array<{ path: string }> };
        expect(problem.errors.map((e) => e.path)).toContain(path);
      }
      const denied = await s.t.request(`/v1/orgs/${org.id}`, {
        method: 'PATCH',
        key: org.readKey,
        json: { retention_days: 10 },
      });
      expect(denied.status).toBe(403);
    });

    it('records a retention change as retention.updated in the same chain', async () => {
      const res = await s.t.request(`/v1/orgs/${org.id}`, {
        method: 'PATCH',
        key: org.adminKey,
        json: { retention_days: 60, request_retention_days: 20 },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        retention_days: 60,
        request_retention_days: 20,
        legal_hold: false,
      });
      const list = await s.t.request('/v1/events?action=retention.updated', { key: org.readKey });
      const events = ((await list.json()) as { data: Array<{ metadata: Record<string, unknown> }> }).data;
      expect(events).toHaveLength(1);
      expect(events[0]!.metadata).toEqual({
        changed_fields: ['retention_days', 'request_retention_days'],
        before: { retention_days: 90, request_retention_days: 30 },
        after: { retention_days: 60, request_retention_days: 20 },
      });
    });

    let requestSeqs: number[] = [];
    let secondBatch: number[] = [];

    it('purges expired events oldest-first through a signed checkpoint and keeps the rest verifiable', async () => {
      await ingest(s.t, org, 120);
      requestSeqs = await ingest(s.t, org, 30, (i) => ({
        action: 'http.request',
        actor: { type: 'api_key', id: 'key_1' },
        request: { method: 'GET', path: `/api/items/${i}`, status_code: 200, duration_ms: 3 },
      }));
      await signAll();
      clock += 25 * DAY;
      secondBatch = await ingest(s.t, org, 40);
      await signAll();

      // Day 25: nothing is 60 days old; request entries of day 0 are past their 20 days.
      let run = await purge();
      let mine = run?.orgs.find((o) => o.org === org.id);
      expect(mine).toMatchObject({ count: 0, request_entries: 30 });
      expect((await verifyOnline(s.t, org)).ok).toBe(true);
      const hidden = await s.t.request('/v1/events?kind=request&from=2025-12-01', { key: org.readKey });
      expect(((await hidden.json()) as { data: unknown[] }).data).toHaveLength(0);

      // Day 70: the events of day 0 are past 60 days; those of day 25 are not.
      clock += 45 * DAY;
      run = await purge();
      mine = run?.orgs.find((o) => o.org === org.id) as OrgPurge;
      const lastOfDay0 = requestSeqs[requestSeqs.length - 1]!;
      expect(mine).toMatchObject({ count: lastOfDay0, from_seq: 1, to_seq: lastOfDay0 });
      expect(mine.event_seq).toBeGreaterThan(secondBatch[secondBatch.length - 1]!);

      const chain = (await (await s.t.request('/v1/chain', { key: org.readKey })).json()) as {
        anchor: { seq: number; prev_hash: string };
      };
      expect(chain.anchor.seq).toBe(lastOfDay0 + 1);

      const report = await verifyOnline(s.t, org);
      expect(report).toMatchObject({ ok: true, first_seq: lastOfDay0 + 1 });

      const purged = await s.t.request('/v1/events?action=retention.purged&from=2025-12-01', {
        key: org.readKey,
      });
      const events = ((await purged.json()) as { data: Array<{ metadata: Record<string, unknown> }> }).data;
      expect(events[0]!.metadata).toMatchObject({
        count: lastOfDay0,
        from_seq: 1,
        to_seq: lastOfDay0,
        anchor: { seq: lastOfDay0 + 1, prev_hash: chain.anchor.prev_hash },
      });
      expect(events.map((e) => e.metadata.request_entries_pruned)).toContain(30);

      const gone = await s.t.request('/v1/events?from=2025-12-01&limit=1000', { key: org.readKey });
      const left = ((await gone.json()) as { data: Array<{ seq: number }> }).data.map((e) => e.seq);
      expect(Math.min(...left)).toBe(lastOfDay0 + 1);
    });

    it('the retained chain verifies offline from its anchor, with the public key', async () => {
      await signAll();
      const file = await exportTo(s.t, org, files.path, 'with_proof=1', `${backend.name}-after-purge.jsonl`);
      const keys = await savePublicKeys(s.t, files.path);
      const { code, report } = await verifyOffline(file, ['--public-key', keys]);
      expect(code).toBe(0);
      expect(report).toMatchObject({
        ok: true,
        mode: 'complete',
        first_seq: requestSeqs[requestSeqs.length - 1]! + 1,
      });
    });

    it('stops under legal hold, and resumes when it is lifted', async () => {
      const hold = await s.t.request(`/v1/orgs/${org.id}`, {
        method: 'PATCH',
        key: org.adminKey,
        json: { legal_hold: true },
      });
      expect(hold.status).toBe(200);
      clock += 40 * DAY; // day 110: everything of day 25 is now past 60 days
      await signAll();
      const held = await purge();
      expect(held?.held).toContain(org.id);
      expect(held?.orgs.find((o) => o.org === org.id)).toBeUndefined();
      expect((await verifyOnline(s.t, org)).first_seq).toBe(requestSeqs[requestSeqs.length - 1]! + 1);

      await s.t.request(`/v1/orgs/${org.id}`, {
        method: 'PATCH',
        key: org.adminKey,
        json: { legal_hold: false },
      });
      const resumed = await purge();
      const mine = resumed?.orgs.find((o) => o.org === org.id);
      expect(mine?.to_seq).toBeGreaterThanOrEqual(secondBatch[secondBatch.length - 1]!);
      expect((await verifyOnline(s.t, org)).ok).toBe(true);
    });
  });
}
