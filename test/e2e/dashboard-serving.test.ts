import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ensureDashboardBuilt } from './helpers/build.js';

describe('dashboard serving', () => {
  let server: TestServer;
  let asset: string;

  beforeAll(async () => {
    ensureDashboardBuilt();
    const index = readFileSync(new URL('../../web/dist/index.html', import.meta.url), 'utf8');
    asset = /src="(\/assets\/[^"]+\.js)"/.exec(index)![1]!;
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  const get = (path: string, init?: RequestInit) => fetch(server.url + path, init);

  it('answers the app at / and at each client route, never cached', async () => {
    for (const path of [
      '/',
      '/login',
      '/settings/audit-log',
      '/settings/api-requests?action=user.login',
      '/settings/members',
      '/invitations/accept?token=abc',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toContain('<div id="root"></div>');
    }
  });

  it('lets the embedded viewer be framed, and keeps its token out of the Referer', async () => {
    const res = await get('/embed?token=tmv_x');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain('frame-ancestors *');
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('caches hashed assets for a year and sends them pre-compressed', async () => {
    const res = await get(asset);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const plain = readFileSync(new URL(`../../web/dist${asset}`, import.meta.url), 'utf8');
    for (const encoding of ['br', 'gzip']) {
      const compressed = await get(asset, { headers: { 'accept-encoding': encoding } });
      expect(compressed.headers.get('content-encoding')).toBe(encoding);
      expect(Number(compressed.headers.get('content-length'))).toBeLessThan(plain.length / 2);
      expect(await compressed.text()).toBe(plain); // fetch decodes it
    }
    const identity = await get(asset, { headers: { 'accept-encoding': 'identity' } });
    expect(identity.headers.get('content-encoding')).toBeNull();
    expect(await identity.text()).toBe(plain);
  });

  it('never falls back to the app for the API, operations routes or unknown paths', async () => {
    for (const path of [
      '/v1/nope',
      '/v1/events/xyz/more',
      '/healthz/x',
      '/assets/missing.js',
      '/favicon.ico',
      '/nope',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
    }
    const health = await get('/healthz');
    expect(await health.json()).toEqual({ status: 'ok' });
    const api = await get('/v1/events');
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('serves the app on GET only', async () => {
    const res = await get('/settings/audit-log', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('keeps the dashboard routes out of the OpenAPI document', async () => {
    const doc = (await (await get('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(
      // Besides /v1 and the probes, only the WorkOS- and Retraced-compatible APIs live at the root.
      Object.keys(doc.paths).filter(
        (p) =>
          !p.startsWith('/v1/') &&
          !/^\/(healthz|readyz|metrics)$/.test(p) &&
          !/^\/(audit_logs|organizations|auditlog\/publisher|publisher)\//.test(p),
      ),
    ).toEqual([]);
  });
});
