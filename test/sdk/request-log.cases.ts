import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogOptions } from '../../sdk/src/request-log.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ALL_TIME, type Served, type TestOrg } from '../http/support.js';
import { type CountingProxy, startProxy, storedEvents, testClient } from './support.js';

/**
 * The request-log middleware's cases, written once and run against each framework (Express,
 * Fastify) with a real app on 127.0.0.1 and a real Trailmark server behind the SDK. Every app
 * serves the same routes:
 * - GET  /api/users/:id    → 200 {"id": ...}
 * - POST /api/login        → 401, having read the JSON body
 * - GET  /healthz, GET /internal/metrics → 200
 * - GET  /slow             → 200 after 500 ms
 */

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

export type StartApp<Req> = (options: RequestLogOptions<Req>) => Promise<RunningApp>;

/** How each framework's request is read by the tests' resolvers. */
export interface FrameworkCase<Req> {
  name: string;
  start: StartApp<Req>;
  headers(req: Req): Record<string, string | string[] | undefined>;
}

const API_KEY = 'tmk_live_0123456789abcdefghijklmnopqrstuvWXYZ';
const HEADER_KEY = 'sk_live_ZYXWVUTSRQPONMLKJIHGFEDCBA9876';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1XzEifQ.c2lnbmF0dXJl';

export function runRequestLogCases<Req>(framework: FrameworkCase<Req>): void {
  describe(`request-log middleware (${framework.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    let proxy: CountingProxy;
    let gate: Promise<void> = Promise.resolve();

    beforeAll(async () => {
      t = await startTestServer();
      org = await t.createOrg(framework.name);
      proxy = await startProxy(t.url, (request) =>
        request.path === '/v1/events' ? { wait: gate } : undefined,
      );
    });

    afterAll(async () => {
      await proxy.close();
      await t.close();
    });

    async function withApp(
      options: Omit<RequestLogOptions<Req>, 'client'>,
      run: (url: string) => Promise<void>,
    ): Promise<Served[]> {
      const { client, errors } = testClient({ url: proxy.url, apiKey: org.writeKey });
      const action = `api.${framework.name.toLowerCase()}_${Math.random().toString(36).slice(2, 8)}`;
      const app = await framework.start({ client, action, ...options });
      try {
        await run(app.url);
      } finally {
        await app.close();
      }
      await client.flush();
      await client.shutdown();
      expect(errors).toEqual([]);
      return storedEvents(t, org.readKey, { action });
    }

    it('records each request after its response, with the SPEC request block, context and actor', async () => {
      let release!: () => void;
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const sentBefore = proxy.ingests().length;
      const stored = await withApp(
        {
          resolveActor: (req) => {
            const user = framework.headers(req)['x-user-id'];
            return typeof user === 'string'
              ? { type: 'user', id: user, email: `${user}@example.com` }
              : undefined;
          },
          capture: {
            query: true,
            params: true,
            body: true,
            headers: ['x-request-id', 'authorization', 'X-Api-Key'],
          },
        },
        async (url) => {
          const first = await fetch(`${url}/api/users/42?q=hello&access_token=abc`, {
            headers: {
              authorization: `Bearer ${API_KEY}`,
              'x-user-id': 'u_ada',
              'x-request-id': 'req_1',
              'user-agent': 'sdk-test/1.0',
            },
          });
          expect(first.status).toBe(200);
          expect(await first.json()).toEqual({ id: '42' });
          const second = await fetch(`${url}/api/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': HEADER_KEY },
            body: JSON.stringify({
              email: 'ada@example.com',
              password: 'hunter2',
              profile: { api_key: 'k_1', plan: 'pro' },
            }),
          });
          expect(second.status).toBe(401);
          await second.text();
          const third = await fetch(`${url}/api/users/7`, { headers: { authorization: `Bearer ${JWT}` } });
          expect(third.status).toBe(200);
          await third.text();
          // Every response is in, and the SDK has not yet been able to deliver anything: the
          // requests never waited for their entries.
          await new Promise((resolve) => setTimeout(resolve, 100));
          expect(proxy.ingests().length - sentBefore).toBeGreaterThan(0);
          expect(await storedEvents(t, org.readKey, { kind: 'request', q: '/api/users/42' })).toEqual([]);
          release();
        },
      );
      gate = Promise.resolve();
      expect(stored).toHaveLength(3);
      const byPath = new Map(stored.map((e) => [`${e.request!.method} ${e.request!.path}`, e]));

      const user = byPath.get('GET /api/users/42')!;
      expect(user).toMatchObject({
        status: 'success',
        actor: { type: 'user', id: 'u_ada', email: 'u_ada@example.com' },
        context: { ip: '127.0.0.1', user_agent: 'sdk-test/1.0', auth_type: 'api_key' },
        request: {
          method: 'GET',
          path: '/api/users/42',
          status_code: 200,
          api_key_last4: 'WXYZ',
          query: { q: 'hello', access_token: '[REDACTED]' },
          params: { id: '42' },
          headers: { 'x-request-id': 'req_1', authorization: '[REDACTED]' },
        },
        metadata: { route: '/api/users/:id' },
      });
      expect(typeof user.request!.duration_ms).toBe('number');
      expect(user.request!.body).toBeUndefined();

      const login = byPath.get('POST /api/login')!;
      expect(login).toMatchObject({
        status: 'failure',
        actor: { type: 'system', id: 'anonymous' },
        context: { auth_type: 'api_key' },
        request: {
          status_code: 401,
          api_key_last4: '9876',
          body: {
            email: 'ada@example.com',
            password: '[REDACTED]',
            profile: { api_key: '[REDACTED]', plan: 'pro' },
          },
          headers: { 'x-api-key': '[REDACTED]' },
        },
        metadata: { route: '/api/login' },
      });

      const jwt = byPath.get('GET /api/users/7')!;
      expect(jwt.context!.auth_type).toBe('jwt');
      expect(jwt.request!.api_key_last4).toBeUndefined();

      // Nothing secret anywhere in what was stored, and no key whole.
      const exported = await (
        await t.request(`/v1/events/export.jsonl?${new URLSearchParams({ ...ALL_TIME, kind: 'request' })}`, {
          key: org.readKey,
        })
      ).text();
      for (const secret of [API_KEY, HEADER_KEY, JWT, 'hunter2', 'k_1', 'access_token=abc']) {
        expect(exported).not.toContain(secret);
      }
      expect(exported).toContain('WXYZ');
    });

    it('leaves out excluded paths, and samples', async () => {
      const excluded = await withApp({ exclude: ['/healthz', /^\/internal\//] }, async (url) => {
        for (const path of ['/healthz', '/internal/metrics', '/api/users/1'])
          await (await fetch(url + path)).text();
      });
      expect(excluded.map((e) => e.request!.path)).toEqual(['/api/users/1']);

      const none = await withApp({ sampleRate: 0 }, async (url) => {
        for (let i = 0; i < 10; i++) await (await fetch(`${url}/api/users/${i}`)).text();
      });
      expect(none).toEqual([]);

      const some = await withApp({ sampleRate: 0.5 }, async (url) => {
        for (let i = 0; i < 60; i++) await (await fetch(`${url}/api/users/${i}`)).text();
      });
      // 60 fair coin flips: all heads or all tails happens once in 2^59 runs.
      expect(some.length).toBeGreaterThan(0);
      expect(some.length).toBeLessThan(60);
    });

    it('trusts X-Forwarded-For only when told to, and only as many proxies as configured', async () => {
      const forwarded = { 'x-forwarded-for': '198.51.100.7, 10.0.0.1' };
      const untrusted = await withApp({}, async (url) => {
        await (await fetch(`${url}/api/users/1`, { headers: forwarded })).text();
      });
      expect(untrusted[0]!.context!.ip).toBe('127.0.0.1');
      const oneHop = await withApp({ trustProxy: 1 }, async (url) => {
        await (await fetch(`${url}/api/users/1`, { headers: forwarded })).text();
      });
      expect(oneHop[0]!.context!.ip).toBe('10.0.0.1');
      const all = await withApp({ trustProxy: true }, async (url) => {
        await (await fetch(`${url}/api/users/1`, { headers: forwarded })).text();
        await (
          await fetch(`${url}/api/users/2`, { headers: { 'x-forwarded-for': 'not an address' } })
        ).text();
      });
      const byPath = new Map(all.map((e) => [e.request!.path, e]));
      expect(byPath.get('/api/users/1')!.context!.ip).toBe('198.51.100.7');
      // A forwarded value that is no address is left out rather than costing the entry.
      expect(byPath.get('/api/users/2')!.context!.ip).toBeUndefined();
    });

    it('records a request whose client went away as 499, and stores hostile request data safely', async () => {
      const stored = await withApp({ capture: { body: true, query: true } }, async (url) => {
        await fetch(`${url}/slow`, { signal: AbortSignal.timeout(100) }).catch(() => undefined);
        // The handler answers 500 ms in; the entry is recorded when the client leaves.
        await new Promise((resolve) => setTimeout(resolve, 700));
        for (const [query, body] of [
          ['x=%00', { nul: 'a\u0000b', [`${'k'.repeat(300)}`]: 1, deep: nested(40) }],
          ['big=1', { big: 'x'.repeat(40_000) }],
        ] as const) {
          const hostile = await fetch(`${url}/api/login?${query}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          expect(hostile.status).toBe(401);
          await hostile.text();
        }
      });
      const slow = stored.find((e) => e.request!.path === '/slow');
      expect(slow).toMatchObject({ request: { status_code: 499 }, metadata: { aborted: true } });
      // NUL, keys over 256 characters and deep nesting would make the server refuse the entry
      // (and hide the request): they are replaced instead.
      const hostile = stored.find((e) => (e.request!.query as { x?: string } | undefined)?.x !== undefined)!;
      expect(hostile.request!.query).toEqual({ x: '\uFFFD' });
      const body = hostile.request!.body as Record<string, unknown>;
      expect(body.nul).toBe('a\uFFFDb');
      expect(body['k'.repeat(256)]).toBe(1);
      expect(JSON.stringify(body.deep)).toContain('[TOO DEEP]');
      // A body over the server's 32 KB for request data is replaced by a note, not refused.
      const big = stored.find((e) => (e.request!.query as { big?: string } | undefined)?.big === '1')!;
      expect(big.request!.body).toMatch(/^\[TRUNCATED: \d+ bytes\]$/);
    });
  });
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { down: value };
  return value;
}
