import { type Config, loadConfig } from '../../src/config.js';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server.js';
import type { TestBackend, TestDatabase } from './backends.js';
import { tempDir } from './temp.js';

export const ADMIN_KEY = 'tmk_test_admin_key_0123456789abcdefghijklmnop';

export interface TestServer {
  url: string;
  server: RunningServer;
  /** fetch against the server with the given bearer key (admin key by default). */
  request(path: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<Response>;
  createOrg(name?: string): Promise<{ id: string; writeKey: string; readKey: string; adminKey: string }>;
  close(): Promise<void>;
}

/**
 * A real Trailmark server on 127.0.0.1 (random port) over a fresh database: a temporary SQLite
 * file, `databaseUrl` when given, or a fresh database of `backend` (one of BACKENDS in
 * backends.ts), dropped again by close().
 */
export async function startTestServer(
  options: {
    databaseUrl?: string;
    backend?: TestBackend;
    now?: () => Date;
    /** Settings to override (rate limits, session lifetimes, SMTP, proxy). */
    config?: Partial<Config>;
    hooks?: ServerOptions['hooks'];
    /** false: checkpointer and retention run only when a test calls them. */
    backgroundJobs?: boolean;
    /**
     * true: alert rules and detectors run over the log. Off unless a test asks, because the
     * detectors append `alert.triggered` events of their own (a key created, a role changed)
     * on their own schedule, which would move every count and chain head a test reads.
     */
    alerts?: boolean;
  } = {},
): Promise<TestServer> {
  let owned: TestDatabase | undefined;
  if (options.backend && !options.databaseUrl) {
    owned = await options.backend.databaseUrl();
    options = { ...options, databaseUrl: owned.url };
  }
  const dir = options.databaseUrl ? undefined : tempDir();
  const config = {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    adminKey: ADMIN_KEY,
    databaseUrl: options.databaseUrl ?? `${dir!.path}/trailmark.db`,
    ...options.config,
  };
  const server = await startServer(config, {
    ...(options.now ? { now: options.now } : {}),
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.backgroundJobs === false ? { backgroundJobs: false } : {}),
    alerts: options.alerts === true,
  });
  const url = server.url;
  const request: TestServer['request'] = (path, init = {}) => {
    const { key = ADMIN_KEY, json, headers, ...rest } = init;
    const h = new Headers(headers);
    if (key) h.set('authorization', `Bearer ${key}`);
    if (json !== undefined) h.set('content-type', 'application/json');
    return fetch(url + path, {
      ...rest,
      headers: h,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
  };
  let orgCounter = 0;
  return {
    url,
    server,
    request,
    async createOrg(name = 'Org') {
      orgCounter += 1;
      const res = await request('/v1/orgs', { method: 'POST', json: { name: `${name} ${orgCounter}` } });
      if (res.status !== 201) throw new Error(`create org: ${res.status} ${await res.text()}`);
      const org = (await res.json()) as { id: string };
      const key = async (scopes: string[]) => {
        const r = await request(`/v1/orgs/${org.id}/api-keys`, {
          method: 'POST',
          json: { name: scopes.join('+'), scopes },
        });
        if (r.status !== 201) throw new Error(`create key: ${r.status} ${await r.text()}`);
        return ((await r.json()) as { key: string }).key;
      };
      return {
        id: org.id,
        writeKey: await key(['events:write']),
        readKey: await key(['events:read']),
        adminKey: await key(['admin']),
      };
    },
    async close() {
      await server.close();
      dir?.remove();
      await owned?.drop();
    },
  };
}
