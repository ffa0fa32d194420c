import { expect } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import { hashPassword } from '../../src/identity/passwords.js';
import { addMemberDirectly } from '../../src/operations/members.js';
import { ADMIN_KEY, type TestServer } from '../helpers/test-server.js';

let userCounter = 0;

/** A person added to `org` with `role`, created straight through the operation the CLI uses. */
export async function addUser(
  t: TestServer,
  org: string,
  role: string,
  options: { email?: string; password?: string } = {},
): Promise<{ email: string; password: string; id: string }> {
  userCounter += 1;
  const email = options.email ?? `person${userCounter}-${Date.now()}@example.test`;
  const password = options.password ?? `correct horse battery ${userCounter}`;
  const { user } = await addMemberDirectly(
    t.server.ctx,
    org,
    { email, name: `Person ${userCounter}`, role, passwordHash: await hashPassword(password), via: 'cli' },
    { principal: null, origin: {} },
  );
  return { email, password, id: user.id };
}

export interface CookieFlags {
  value: string;
  attributes: Map<string, string>;
}

/** Parses one `Set-Cookie` header of the response for `name`. */
export function setCookie(res: Response, name: string): CookieFlags | undefined {
  for (const header of res.headers.getSetCookie()) {
    const [pair, ...attrs] = header.split(';').map((s) => s.trim());
    const eq = pair!.indexOf('=');
    if (pair!.slice(0, eq) !== name) continue;
    const attributes = new Map<string, string>();
    for (const attr of attrs) {
      const i = attr.indexOf('=');
      attributes.set((i < 0 ? attr : attr.slice(0, i)).toLowerCase(), i < 0 ? '' : attr.slice(i + 1));
    }
    return { value: pair!.slice(eq + 1), attributes };
  }
  return undefined;
}

/** A browser-like client: keeps the session cookie and sends the CSRF token on writes. */
export class Browser {
  cookie: string | undefined;
  csrf: string | undefined;
  org: string | undefined;

  constructor(
    readonly url: string,
    readonly headers: Record<string, string> = {},
  ) {}

  async login(email: string, password: string): Promise<Response> {
    const res = await this.fetch('/v1/auth/login', { method: 'POST', json: { email, password } });
    if (res.status === 200) {
      const body = (await res.clone().json()) as { orgs: Array<{ id: string }> };
      this.org ??= body.orgs[0]?.id;
    }
    return res;
  }

  fetch(
    path: string,
    init: {
      method?: string;
      json?: unknown;
      headers?: Record<string, string>;
      csrf?: boolean;
      org?: string;
    } = {},
  ): Promise<Response> {
    const headers = new Headers({ ...this.headers, ...init.headers });
    if (this.cookie) headers.set('cookie', `tm_session=${this.cookie}`);
    const method = init.method ?? 'GET';
    if (method !== 'GET' && init.csrf !== false && this.csrf) headers.set('x-csrf-token', this.csrf);
    const org = init.org ?? this.org;
    if (org && !headers.has('trailmark-org')) headers.set('trailmark-org', org);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    return fetch(this.url + path, {
      method,
      headers,
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    }).then(async (res) => {
      const cookie = setCookie(res, 'tm_session');
      if (cookie) this.cookie = cookie.value || undefined;
      // A new session (sign-in, password change, accepted invitation) comes with its CSRF token.
      if (cookie?.value && res.ok) {
        this.csrf = ((await res.clone().json()) as { csrf_token: string }).csrf_token;
      }
      return res;
    });
  }
}

/** Signs a person in and returns the browser holding the session. */
export async function signedIn(
  t: TestServer,
  email: string,
  password: string,
  org?: string,
): Promise<Browser> {
  const browser = new Browser(t.url);
  if (org) browser.org = org;
  const res = await browser.login(email, password);
  expect(res.status, await res.clone().text()).toBe(200);
  return browser;
}

/** The org's events with `action` (read with the deployment key, so nothing else is recorded). */
export async function eventsOf(t: TestServer, org: string, action: string): Promise<StoredEvent[]> {
  const res = await t.request(`/v1/events?action=${encodeURIComponent(action)}&limit=1000`, {
    key: ADMIN_KEY,
    headers: { 'trailmark-org': org },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { data: StoredEvent[] }).data;
}

/** Waits for events written after the response (failed sign-ins). */
export async function settled(t: TestServer): Promise<void> {
  await t.server.ctx.logins.settled();
}
