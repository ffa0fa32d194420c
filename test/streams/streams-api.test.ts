import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../src/delivery/standard-webhooks.js';
import { WebhookReceiver } from '../helpers/receivers/webhook-receiver.js';
import type { TestServer } from '../helpers/test-server.js';
import { expectProblem, listAll, SERVER_BACKENDS, type TestOrg } from '../http/support.js';
import { createStream, getStream } from './stream-support.js';

for (const backend of SERVER_BACKENDS) {
  describe(`streams API on ${backend.name}`, () => {
    let t: TestServer;
    let org: TestOrg;
    let receiver: WebhookReceiver;
    const secret = generateWebhookSecret();
    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg();
      receiver = await new WebhookReceiver(secret).start();
    });
    afterAll(async () => {
      await receiver.close();
      await t.close();
    });

    it('creates, reads, changes, pauses, resumes and deletes a stream, each recorded, secrets never answered', async () => {
      const created = await createStream(t, org, {
        name: 'SIEM',
        format: 'ocsf',
        destination: { type: 'webhook', url: receiver.url, bearer_token: 'tok-secret' },
        filter: { actions: ['user.*'] },
      });
      expect(created.generated_secret).toMatch(/^whsec_/);
      expect(created.secrets_set.sort()).toEqual(['bearer_token', 'secret']);
      expect(JSON.stringify(created.destination)).not.toContain('tok-secret');
      expect(created).toMatchObject({ status: 'active', filter: { actions: ['user.*'], kinds: [] } });

      const read = await getStream(t, org, created.id);
      expect(JSON.stringify(read)).not.toContain('tok-secret');
      expect(JSON.stringify(read)).not.toContain(created.generated_secret!);
      expect(read.delivery).toMatchObject({ last_error: null, failing_since: null });

      const list = (await (await t.request('/v1/streams', { key: org.adminKey })).json()) as {
        data: unknown[];
      };
      expect(list.data).toHaveLength(1);

      const patched = await t.request(`/v1/streams/${created.id}`, {
        method: 'PATCH',
        key: org.adminKey,
        json: { name: 'SIEM 2', destination: { type: 'webhook', url: `${receiver.url}/other` } },
      });
      expect(patched.status).toBe(200);
      const after = (await patched.json()) as { name: string; secrets_set: string[] };
      expect(after.name).toBe('SIEM 2');
      expect(after.secrets_set.sort()).toEqual(['bearer_token', 'secret']);

      for (const verb of ['pause', 'resume']) {
        const res = await t.request(`/v1/streams/${created.id}/${verb}`, {
          method: 'POST',
          key: org.adminKey,
        });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { status: string }).status).toBe(
          verb === 'pause' ? 'paused' : 'active',
        );
      }
      const deleted = await t.request(`/v1/streams/${created.id}`, { method: 'DELETE', key: org.adminKey });
      expect(deleted.status).toBe(204);
      expect((await t.request(`/v1/streams/${created.id}`, { key: org.adminKey })).status).toBe(404);

      const events = await listAll(t, org.readKey, { action: 'stream.*' });
      expect(events.map((e) => e.action).sort()).toEqual(
        ['stream.created', 'stream.deleted', 'stream.paused', 'stream.resumed', 'stream.updated'].sort(),
      );
      expect(JSON.stringify(events)).not.toContain('tok-secret');
    });

    it('refuses bad input naming the field, and callers without manageStreams', async () => {
      const missing = await t.request('/v1/streams', {
        method: 'POST',
        key: org.adminKey,
        json: {
          name: 'HEC',
          format: 'native',
          destination: { type: 'splunk_hec', url: 'http://127.0.0.1:9' },
        },
      });
      await expectProblem(missing, 400, '/destination/token');
      const badFormat = await t.request('/v1/streams', {
        method: 'POST',
        key: org.adminKey,
        json: { name: 'x', format: 'xml', destination: { type: 'webhook', url: receiver.url } },
      });
      await expectProblem(badFormat, 400, '/format');
      const writer = await t.request('/v1/streams', { key: org.writeKey });
      expect(writer.status).toBe(403);
      expect((await t.request('/v1/streams/str_nope', { key: org.adminKey })).status).toBe(404);
    });

    it('sends a test event and says how it went', async () => {
      const stream = await createStream(t, org, {
        name: 'test me',
        format: 'native',
        destination: { type: 'webhook', url: receiver.url, secret },
      });
      const res = await t.request(`/v1/streams/${stream.id}/test`, { method: 'POST', key: org.adminKey });
      expect(await res.json()).toEqual({ outcome: 'delivered' });
      expect(receiver.lines.some((line) => line.includes('trailmark.stream_test'))).toBe(true);
      // Signed with a secret the receiver does not know: refused, and said so.
      const wrong = await createStream(t, org, {
        name: 'wrong secret',
        format: 'cef',
        destination: { type: 'webhook', url: receiver.url, secret: generateWebhookSecret() },
      });
      const refused = await t.request(`/v1/streams/${wrong.id}/test`, { method: 'POST', key: org.adminKey });
      expect(await refused.json()).toMatchObject({ outcome: 'permanent', status: 401 });
    });
  });
}
