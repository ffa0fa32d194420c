import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as Retraced from '@retracedhq/retraced';
import { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { ADMIN_KEY, type TestServer } from '../helpers/test-server.js';
import { ALL_TIME, listAll, SERVER_BACKENDS, type TestOrg, unique } from '../http/support.js';

/**
 * Deployment ingest keys: one key a product uses for all its customers' orgs, through both
 * compatible APIs; with `orgs:create`, an org is created the first time an event names it.
 */

process.env.NO_PROXY = '127.0.0.1,localhost';
const run = promisify(execFile);

function workos(t: TestServer, key: string): WorkOS {
  const { port } = new URL(t.url);
  return new WorkOS(key, { apiHostname: '127.0.0.1', port: Number(port), https: false, maxRetries: 0 });
}

function workosEvent(action: string) {
  return {
    action,
    occurredAt: new Date(),
    actor: { type: 'user', id: 'u1' },
    targets: [],
    context: { location: '203.0.113.1' },
  };
}

describe.each(SERVER_BACKENDS)('deployment ingest keys ($name)', (backend) => {
  let t: TestServer;
  let a: TestOrg;
  let b: TestOrg;

  beforeAll(async () => {
    t = await backend.start();
    a = await t.createOrg('A');
    b = await t.createOrg('B');
  });
  afterAll(async () => t?.close());

  async function deploymentKey(scopes: string[], key: string = ADMIN_KEY) {
    return t.request('/v1/deployment/api-keys', {
      method: 'POST',
      key,
      json: { name: scopes.join('+'), scopes },
    });
  }

  it('are made by the deployment admin key only; org keys never hold orgs:create', async () => {
    expect((await deploymentKey(['events:write'], a.adminKey)).status).toBe(403);
    const made = await deploymentKey(['events:write']);
    expect(made.status).toBe(201);
    expect(await made.json()).toMatchObject({
      key: expect.stringMatching(/^tmk_/),
      scopes: ['events:write'],
    });
    const orgKey = await t.request(`/v1/orgs/${a.id}/api-keys`, {
      method: 'POST',
      json: { name: 'x', scopes: ['events:write', 'orgs:create'] },
    });
    expect(orgKey.status).toBe(400);
  });

  it('write to every org the request names, and 404 an unknown org without orgs:create', async () => {
    const key = ((await (await deploymentKey(['events:write'])).json()) as { key: string }).key;
    const action = `user.${unique('synced').toLowerCase()}`;
    await workos(t, key).auditLogs.createEvent(a.id, workosEvent(action));
    await workos(t, key).auditLogs.createEvent(b.id, workosEvent(action));
    const retraced = new Retraced.Client({ apiKey: key, projectId: b.id, endpoint: `${t.url}/auditlog` });
    await retraced.reportEvent({ action, crud: 'c', group: { id: a.id }, actor: { id: 'u2' } });
    await retraced.reportEvent({ action, crud: 'c', actor: { id: 'u3' } });
    expect(await listAll(t, a.readKey, { ...ALL_TIME, action })).toHaveLength(2);
    expect(await listAll(t, b.readKey, { ...ALL_TIME, action })).toHaveLength(2);
    await expect(
      workos(t, key).auditLogs.createEvent('org_unknown', workosEvent(action)),
    ).rejects.toMatchObject({
      status: 404,
    });
    expect((await t.request('/v1/orgs/org_unknown')).status).toBe(404);
  });

  it('with orgs:create, create the org an event names the first time, through either API', async () => {
    const key = ((await (await deploymentKey(['events:write', 'orgs:create'])).json()) as { key: string })
      .key;
    const fromWorkos = unique('acme');
    const fromRetraced = unique('globex');
    const action = 'user.first_seen';
    await Promise.all([
      workos(t, key).auditLogs.createEvent(fromWorkos, workosEvent(action)),
      workos(t, key).auditLogs.createEvent(fromWorkos, workosEvent(action)),
    ]);
    const retraced = new Retraced.Client({ apiKey: key, projectId: 'p', endpoint: `${t.url}/auditlog` });
    await retraced.reportEvents([
      { action, crud: 'c', group: { id: fromRetraced }, actor: { id: 'u' } },
      { action, crud: 'c', group: { id: fromRetraced }, actor: { id: 'v' } },
    ]);
    for (const org of [fromWorkos, fromRetraced]) {
      const res = await t.request(`/v1/orgs/${org}`);
      expect(res.status).toBe(200);
      const events = await listAll(t, ADMIN_KEY, { ...ALL_TIME, org });
      expect(events.filter((e) => e.action === action)).toHaveLength(2);
      expect(events.filter((e) => e.action === 'organization.created')).toHaveLength(1);
    }
  });
});

describe('trailmark key create --deployment', () => {
  it('prints a deployment key with the scopes asked for, and refuses orgs:create on an org key', async () => {
    const dir = tempDir();
    try {
      const env = { ...process.env, DATABASE_URL: `${dir.path}/trailmark.db`, LOG_LEVEL: 'silent' };
      const cli = (args: string[]) =>
        run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env });
      const out = await cli([
        'key',
        'create',
        '--deployment',
        '--name',
        'ingest',
        '--scopes',
        'events:write,orgs:create',
      ]);
      expect(JSON.parse(out.stdout)).toMatchObject({
        key: expect.stringMatching(/^tmk_/),
        scopes: ['events:write', 'orgs:create'],
      });
      await expect(
        cli(['key', 'create', '--org', 'o', '--name', 'x', '--scopes', 'orgs:create']),
      ).rejects.toThrow(/org keys hold only/);
    } finally {
      dir.remove();
    }
  });
});
