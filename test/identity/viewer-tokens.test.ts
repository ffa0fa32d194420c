import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { expectProblem, SERVER_BACKENDS, type TestOrg } from '../http/support.js';
import { eventsOf } from '../identity/identity-helpers.js';

/**
 * Issue 14, finding 7: viewer tokens are revoked by id and with the key that minted them; a
 * token narrowed to one workspace sees nothing org-wide of the chain; full verifications run
 * one at a time per org (their rate: test/workers/verification-gate.test.ts).
 */

for (const backend of SERVER_BACKENDS) {
  describe(`viewer tokens (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Viewer');
    });
    afterAll(async () => {
      await t?.close();
    });

    async function adminKey(): Promise<{ id: string; key: string }> {
      const res = await t.request('/v1/api-keys', {
        method: 'POST',
        key: org.adminKey,
        json: { name: 'minter', scopes: ['admin'] },
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string; key: string };
    }

    async function mint(
      key: string,
      json: Record<string, unknown> = {},
    ): Promise<{ id: string; token: string }> {
      const res = await t.request('/v1/viewer-tokens', { method: 'POST', key, json });
      expect(res.status, await res.clone().text()).toBe(201);
      return (await res.json()) as { id: string; token: string };
    }

    const reads = async (token: string) => (await t.request('/v1/events', { key: token })).status;

    it('revokes a token by id, once, and records it', async () => {
      const minted = await mint(org.adminKey, { workspace: 'ws_a' });
      expect(await reads(minted.token)).toBe(200);
      const revoke = () =>
        t.request(`/v1/viewer-tokens/${minted.id}`, { method: 'DELETE', key: org.adminKey });
      expect((await revoke()).status).toBe(204);
      await expectProblem(await t.request('/v1/events', { key: minted.token }), 401);
      expect((await revoke()).status).toBe(204);
      const revoked = (await eventsOf(t, org.id, 'viewer_token.revoked')).filter(
        (e) => e.resource?.id === minted.id,
      );
      expect(revoked).toHaveLength(1);
      expect(revoked[0]!.metadata).toMatchObject({ changed_fields: ['revoked_at'], workspace: 'ws_a' });
      await expectProblem(
        await t.request('/v1/viewer-tokens/vtk_unknown', { method: 'DELETE', key: org.adminKey }),
        404,
      );
      const other = await t.createOrg('Other');
      await expectProblem(
        await t.request(`/v1/viewer-tokens/${minted.id}`, { method: 'DELETE', key: other.adminKey }),
        404,
      );
      await expectProblem(
        await t.request(`/v1/viewer-tokens/${minted.id}`, { method: 'DELETE', key: org.readKey }),
        403,
      );
    });

    it('revokes the tokens of a key that is disabled, for good', async () => {
      const minter = await adminKey();
      const [a, b] = [await mint(minter.key), await mint(minter.key, { actor: 'u_1' })];
      const kept = await mint(org.adminKey);
      const status = (s: string) =>
        t.request(`/v1/api-keys/${minter.id}`, { method: 'PATCH', key: org.adminKey, json: { status: s } });
      expect((await status('disabled')).status).toBe(200);
      expect([await reads(a.token), await reads(b.token), await reads(kept.token)]).toEqual([401, 401, 200]);
      expect((await status('active')).status).toBe(200);
      expect([await reads(a.token), await reads(b.token)]).toEqual([401, 401]);
      const [event] = (await eventsOf(t, org.id, 'api_key.status_updated')).filter(
        (e) =>
          e.resource?.id === minter.id &&
          (e.metadata as { after: { status: string } }).after.status === 'disabled',
      );
      expect(event?.metadata).toMatchObject({ viewer_tokens_revoked: 2 });
    });

    it('revokes the tokens of a key that is deleted', async () => {
      const minter = await adminKey();
      const minted = await mint(minter.key);
      expect(await reads(minted.token)).toBe(200);
      expect(
        (await t.request(`/v1/api-keys/${minter.id}`, { method: 'DELETE', key: org.adminKey })).status,
      ).toBe(204);
      expect(await reads(minted.token)).toBe(401);
    });

    it('shows a token narrowed to a workspace or actor nothing org-wide of the chain', async () => {
      const scoped = [
        await mint(org.adminKey, { workspace: 'ws_a' }),
        await mint(org.adminKey, { actor: 'u_1' }),
      ];
      for (const { token } of scoped) {
        await expectProblem(await t.request('/v1/chain', { key: token }), 403);
        await expectProblem(await t.request('/v1/chain/checkpoints', { key: token }), 403);
        await expectProblem(await t.request('/v1/chain/verify', { method: 'POST', key: token }), 403);
      }
      const whole = await mint(org.adminKey);
      expect((await t.request('/v1/chain', { key: whole.token })).status).toBe(200);
    });

    it('answers verifications asked for together, and per org', async () => {
      const busy = await t.createOrg('Busy');
      const verify = () => t.request('/v1/chain/verify', { method: 'POST', key: busy.readKey });
      const together = await Promise.all([verify(), verify(), verify(), verify()]);
      expect(together.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      // Another org is not held back by this one's.
      expect((await t.request('/v1/chain/verify', { method: 'POST', key: org.readKey })).status).toBe(200);
    });
  });
}
