import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { tempDir } from '../helpers/temp.js';
import { ADMIN_KEY } from '../helpers/test-server.js';
import { Browser, eventsOf } from './identity-helpers.js';

const run = promisify(execFile);

function configFor(dir: string) {
  return {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    adminKey: ADMIN_KEY,
    databaseUrl: `${dir}/trailmark.db`,
    ownerEmail: 'owner@example.test',
  };
}

describe('first start and the user CLI', () => {
  it('creates the first owner and an org once, prints the credentials once, and they sign in', async () => {
    const dir = tempDir();
    try {
      let printed = '';
      const first = await startServer(configFor(dir.path), { firstOwner: (text) => (printed += text) });
      const password = /password: (\S+)/.exec(printed)?.[1];
      const org = /org: .*\((\S+)\)/.exec(printed)?.[1];
      expect(printed).toContain('owner@example.test');
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      const browser = new Browser(first.url);
      const res = await browser.login('owner@example.test', password!);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { orgs: unknown[] }).orgs).toMatchObject([{ id: org, role: 'owner' }]);
      await first.close();

      let again = '';
      const second = await startServer(configFor(dir.path), { firstOwner: (text) => (again += text) });
      expect(again).toBe('');
      await second.close();
    } finally {
      dir.remove();
    }
  });

  it('`trailmark user create` adds a member with a generated password, shown once', async () => {
    const dir = tempDir();
    try {
      const setup = await startServer(configFor(dir.path));
      for (const [id, name] of [
        ['cli_org', 'CLI org'],
        ['second_org', 'Second'],
      ]) {
        const res = await fetch(`${setup.url}/v1/orgs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ id, name }),
        });
        expect(res.status).toBe(201);
      }
      await setup.close();

      const env = { ...process.env, DATABASE_URL: `${dir.path}/trailmark.db`, LOG_LEVEL: 'silent' };
      const cli = (args: string[]) =>
        run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env });
      const created = JSON.parse(
        (await cli(['user', 'create', '--email', 'Ops@Example.test', '--org', 'cli_org', '--role', 'admin']))
          .stdout,
      );
      expect(created).toMatchObject({ email: 'ops@example.test', org: 'cli_org', role: 'admin' });
      expect(created.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      await expect(
        cli(['user', 'create', '--email', 'x@example.test', '--org', 'cli_org', '--role', 'nope']),
      ).rejects.toThrow(/role nope does not exist/);

      const server = await startServer({ ...configFor(dir.path) });
      try {
        const browser = new Browser(server.url);
        const res = await browser.login('ops@example.test', created.password);
        expect(res.status).toBe(200);
        const body = (await res.json()) as { orgs: Array<{ id: string; role: string }> };
        expect(body.orgs.map((o) => [o.id, o.role])).toEqual([['cli_org', 'admin']]);
        const t = {
          request: (path: string, init: { key?: string; headers?: Record<string, string> } = {}) =>
            fetch(server.url + path, {
              headers: { ...init.headers, authorization: `Bearer ${init.key ?? ADMIN_KEY}` },
            }),
        };
        const [event] = await eventsOf(t as never, 'cli_org', 'member.added');
        expect(event).toMatchObject({
          actor: { type: 'system' },
          resource: { type: 'member', name: 'ops@example.test' },
          metadata: { changed_fields: ['role'], role: 'admin', via: 'cli' },
        });
      } finally {
        await server.close();
      }
    } finally {
      dir.remove();
    }
  });
});
