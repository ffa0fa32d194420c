import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { SERVER_BACKENDS, type TestOrg } from '../http/support.js';
import { anyText, runs, validEvent } from './arbitraries.js';

/**
 * Properties through the real server, per backend (issue 14): an event is read back as it was
 * sent, and every identity string (key names, org names, viewer-token workspaces and actors) is
 * stored exactly or refused with 400 naming the field, never a 5xx. Few runs: each is requests.
 */

for (const backend of SERVER_BACKENDS) {
  describe(`stored as sent (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Properties');
    });
    afterAll(async () => {
      await t?.close();
    });

    it('reads back every accepted event as it was sent', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(validEvent, { minLength: 1, maxLength: 4 }), async (events) => {
          const res = await t.request('/v1/events', { method: 'POST', key: org.writeKey, json: { events } });
          expect(res.status, await res.clone().text()).toBe(201);
          const acks = ((await res.json()) as { events: Array<{ id: string }> }).events;
          for (const [i, ack] of acks.entries()) {
            const read = await t.request(`/v1/events/${encodeURIComponent(ack.id)}`, { key: org.readKey });
            expect(read.status).toBe(200);
            const stored = (await read.json()) as Record<string, unknown>;
            expect(stored).toMatchObject(events[i]!);
            // Free-form maps exactly: no member added, lost or changed.
            expect(stored.metadata).toEqual(events[i]!.metadata);
          }
        }),
        runs(12),
      );
    });

    /** A 2xx whose answer holds `field` as sent, or a 400 naming it; never anything else. */
    async function storedOrRefused(res: Response, field: string, sent: string): Promise<void> {
      const body = (await res.json()) as Record<string, unknown> & { errors?: Array<{ path: string }> };
      if (res.status < 300) {
        expect(body[field]).toBe(sent);
        return;
      }
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(body.errors?.map((e) => e.path)).toContain(`/${field}`);
    }

    it('stores API key names exactly or refuses them', async () => {
      await fc.assert(
        fc.asyncProperty(anyText, async (name) => {
          const res = await t.request('/v1/api-keys', {
            method: 'POST',
            key: org.adminKey,
            json: { name, scopes: ['events:read'] },
          });
          await storedOrRefused(res, 'name', name);
          if (!name.isWellFormed() || name.length === 0) expect(res.status).toBe(400);
        }),
        runs(25),
      );
    });

    it('stores org names exactly or refuses them', async () => {
      await fc.assert(
        fc.asyncProperty(anyText, async (name) => {
          const res = await t.request(`/v1/orgs/${org.id}`, {
            method: 'PATCH',
            key: org.adminKey,
            json: { name },
          });
          await storedOrRefused(res, 'name', name);
          if (!name.isWellFormed()) expect(res.status).toBe(400);
        }),
        runs(25),
      );
    });

    it('stores viewer-token workspaces and actors exactly or refuses them', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('workspace', 'actor'), anyText, async (field, value) => {
          const res = await t.request('/v1/viewer-tokens', {
            method: 'POST',
            key: org.adminKey,
            json: { [field]: value },
          });
          await storedOrRefused(res, field, value);
          if (!value.isWellFormed()) expect(res.status).toBe(400);
        }),
        runs(25),
      );
    });
  });
}
