import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import {
  ALL_TIME,
  ev,
  expectProblem,
  headSeq,
  ingest,
  listAll,
  post,
  query,
  SERVER_BACKENDS,
  type Served,
  type TestOrg,
  unique,
  waitForExportRecords,
} from './support.js';

/** SPEC §2 secrets, §4 auth: what must never be stored, and who may write. */

const SECRET = 'S3CR3T-value-that-must-never-be-stored';

function requestWithSecrets(marker: string) {
  return {
    method: 'POST',
    path: '/api/v1/login',
    status_code: 200,
    headers: {
      Authorization: `Bearer ${SECRET}`,
      cookie: `session=${SECRET}`,
      'Set-Cookie': `sid=${SECRET}; HttpOnly`,
      'x-api-key': SECRET,
      'X-API-KEY': SECRET,
      'proxy-authorization': SECRET,
      'content-type': 'application/json',
      'x-request-id': marker,
    },
    query: { access_token: SECRET, page: '2', apiKey: SECRET, API_KEY: SECRET },
    params: { resetToken: SECRET, id: 'u_1' },
    body: {
      email: 'ada@example.com',
      password: SECRET,
      Password_Confirmation: SECRET,
      profile: { name: 'Ada', new_password: SECRET, settings: { client_secret: SECRET, theme: 'dark' } },
      credentials: [{ apikey: SECRET }, { refresh_token: SECRET }, { note: 'kept' }],
      authorization: SECRET,
      cookie_consent: SECRET,
      nested: [[{ secret: SECRET }]],
    },
  };
}

for (const backend of SERVER_BACKENDS) {
  describe(`ingest security (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Security');
    });
    afterAll(async () => {
      await t?.close();
    });

    describe('redaction of secrets (SPEC §2)', () => {
      let stored: Served;
      let marker: string;
      beforeAll(async () => {
        marker = unique('req');
        const [ack] = await ingest(t, org.writeKey, [
          ev({ action: 'user.login', description: `login ${marker}`, request: requestWithSecrets(marker) }),
        ]);
        const res = await t.request(`/v1/events/${ack!.id}`, { key: org.readKey });
        expect(res.status).toBe(200);
        stored = (await res.json()) as Served;
      });

      it('replaces secret header values, whatever their case', () => {
        const headers = stored.request!.headers as Record<string, unknown>;
        expect(headers).toEqual({
          Authorization: '[REDACTED]',
          cookie: '[REDACTED]',
          'Set-Cookie': '[REDACTED]',
          'x-api-key': '[REDACTED]',
          'X-API-KEY': '[REDACTED]',
          'proxy-authorization': '[REDACTED]',
          'content-type': 'application/json',
          'x-request-id': marker,
        });
      });

      it('replaces secret query, params and body fields at any depth and keeps the rest', () => {
        expect(stored.request!.query).toEqual({
          access_token: '[REDACTED]',
          page: '2',
          apiKey: '[REDACTED]',
          API_KEY: '[REDACTED]',
        });
        expect(stored.request!.params).toEqual({ resetToken: '[REDACTED]', id: 'u_1' });
        expect(stored.request!.body).toEqual({
          email: 'ada@example.com',
          password: '[REDACTED]',
          Password_Confirmation: '[REDACTED]',
          profile: {
            name: 'Ada',
            new_password: '[REDACTED]',
            settings: { client_secret: '[REDACTED]', theme: 'dark' },
          },
          credentials: [{ apikey: '[REDACTED]' }, { refresh_token: '[REDACTED]' }, { note: 'kept' }],
          authorization: '[REDACTED]',
          cookie_consent: '[REDACTED]',
          nested: [[{ secret: '[REDACTED]' }]],
        });
      });

      it('serves the secret nowhere: event, list, search, CSV and JSONL export', async () => {
        const texts = await Promise.all(
          [
            `/v1/events/${stored.id}`,
            `/v1/events${query({ ...ALL_TIME, limit: 1000 })}`,
            `/v1/events${query({ q: marker })}`,
            `/v1/events/export.csv${query(ALL_TIME)}`,
            `/v1/events/export.jsonl${query(ALL_TIME)}`,
          ].map(async (path) => {
            const res = await t.request(path, { key: org.readKey });
            expect(res.status).toBe(200);
            return res.text();
          }),
        );
        for (const text of texts) expect(text).not.toContain(SECRET);
        expect(texts[2]).toContain(stored.id);
        const records = await waitForExportRecords(t, org.readKey, 2);
        for (const record of records) expect(JSON.stringify(record)).not.toContain(SECRET);
      });

      it('redacts a batch of request log entries the same way', async () => {
        const acks = await ingest(
          t,
          org.writeKey,
          Array.from({ length: 3 }, () => ev({ request: requestWithSecrets(unique('req')) })),
        );
        for (const ack of acks) {
          const text = await (await t.request(`/v1/events/${ack.id}`, { key: org.readKey })).text();
          expect(text).not.toContain(SECRET);
          expect(text).toContain('[REDACTED]');
        }
      });

      it('never stores or serves the API keys themselves', async () => {
        const jsonl = await (
          await t.request(`/v1/events/export.jsonl${query(ALL_TIME)}`, { key: org.readKey })
        ).text();
        expect(jsonl).toContain('api_key.created');
        await waitForExportRecords(t, org.readKey, 3);
        for (const key of [org.writeKey, org.readKey, org.adminKey]) {
          expect(jsonl).not.toContain(key);
          expect(jsonl).not.toContain(key.slice(4, 30));
        }
      });
    });

    describe('authentication and scopes', () => {
      async function refused(
        key: string | null,
        status: number,
        init: RequestInit = {},
        body: unknown = ev(),
      ) {
        const before = await headSeq(t, org.readKey);
        const res = await t.request('/v1/events', {
          method: 'POST',
          key,
          ...init,
          ...(init.body === undefined ? { json: body } : {}),
        });
        const problem = await expectProblem(res, status);
        expect(await headSeq(t, org.readKey)).toBe(before);
        return problem;
      }

      it('answers 401 without a key', async () => {
        await refused(null, 401);
      });

      it('answers 401 for an unknown key', async () => {
        await refused('tmk_not_a_real_key_0000000000000000000000000', 401);
        await refused(`${org.writeKey}x`, 401);
        await refused(org.writeKey.slice(0, -1), 401);
      });

      it('answers 401 for a key sent another way than Bearer', async () => {
        await refused(null, 401, { headers: { authorization: `Basic ${org.writeKey}` } });
        await refused(null, 401, { headers: { authorization: org.writeKey } });
        await refused(null, 401, { headers: { authorization: `Bearer ${org.writeKey} extra` } });
        await refused(null, 401, { headers: { 'x-api-key': org.writeKey } });
      });

      it('answers 401 for an expired key', async () => {
        const res = await t.request(`/v1/orgs/${org.id}/api-keys`, {
          method: 'POST',
          json: { name: 'expired', scopes: ['events:write'], expires_at: '2020-01-01T00:00:00Z' },
        });
        expect(res.status).toBe(201);
        const { key } = (await res.json()) as { key: string };
        await refused(key, 401);
      });

      it('answers 403 for a key without events:write', async () => {
        const problem = await refused(org.readKey, 403);
        expect(problem.detail).toContain('events:write');
      });

      it('checks the key before reading the body: no key and a bad or huge body is still 401', async () => {
        await refused(null, 401, { headers: { 'content-type': 'application/json' }, body: '{"broken' });
        await refused(null, 401, {}, { events: [{ action: 'X' }] });
        await refused('tmk_wrong', 401, {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ events: [ev({ description: 'x'.repeat(6 * 1024 * 1024) })] }),
        });
      });

      it('refuses writing into another org with an org key, storing nothing in either', async () => {
        const other = await t.createOrg('Target');
        const otherBefore = await headSeq(t, other.readKey);
        await refused(org.writeKey, 404, { headers: { 'trailmark-org': other.id } });
        const res = await post(t, org.writeKey, { events: [ev({ org: other.id })] });
        await expectProblem(res);
        expect(await headSeq(t, other.readKey)).toBe(otherBefore);
        const theirs = await listAll(t, other.readKey, ALL_TIME);
        expect(theirs.every((e) => e.org === other.id)).toBe(true);
      });

      it('needs the org named when the deployment key ingests', async () => {
        const res = await t.request('/v1/events', { method: 'POST', json: ev() });
        await expectProblem(res, 400, '/headers/trailmark-org');
        const missing = await t.request('/v1/events', {
          method: 'POST',
          headers: { 'trailmark-org': 'org_does_not_exist' },
          json: ev(),
        });
        await expectProblem(missing, 404);
      });
    });
  });
}
