import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { ensureDashboardBuilt } from './build.js';
import { type Browser, launchChromium } from './chromium.js';

export type TestOrg = Awaited<ReturnType<TestServer['createOrg']>>;

export interface Person {
  email: string;
  name: string;
  password: string;
}

export const PASSWORD = 'correct horse battery staple';

/** A real server over a fresh SQLite file, serving the built dashboard. */
export async function startDashboardServer(
  options: { now?: () => Date; alerts?: boolean } = {},
): Promise<TestServer> {
  ensureDashboardBuilt();
  return startTestServer(options);
}

async function ok(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** An invitation, as the API makes it; its token. */
export async function invite(server: TestServer, org: string, email: string, role: string): Promise<string> {
  const invitation = (await ok(
    await server.request('/v1/members/invitations', {
      method: 'POST',
      json: { email, role },
      headers: { 'trailmark-org': org },
    }),
    `invite ${email}`,
  )) as { accept_url: string };
  return new URL(invitation.accept_url).searchParams.get('token')!;
}

/** A person with an account in `org` holding `role`: invited, then accepted through the API. */
export async function addPerson(
  server: TestServer,
  org: string,
  role: string,
  who: { email: string; name: string },
): Promise<Person> {
  const token = await invite(server, org, who.email, role);
  await ok(
    await server.request('/v1/invitations/accept', {
      method: 'POST',
      key: null,
      json: { token, name: who.name, password: PASSWORD },
    }),
    `accept for ${who.email}`,
  );
  return { ...who, password: PASSWORD };
}

export async function ingest(server: TestServer, key: string, events: unknown[]): Promise<{ id: string }[]> {
  const body = (await ok(
    await server.request('/v1/events', { method: 'POST', key, json: { events } }),
    'ingest',
  )) as { events: { id: string }[] };
  return body.events;
}

export interface EventRow {
  id: string;
  seq: number;
  action: string;
  occurred_at: string;
  description?: string;
  [field: string]: unknown;
}

/** GET /v1/events with a query string the page built, as a key of the org sees it. */
export async function apiEvents(server: TestServer, key: string, query: string): Promise<EventRow[]> {
  const body = (await ok(
    await server.request(`/v1/events?${query}&limit=1000`, { key }),
    `GET /v1/events?${query}`,
  )) as { data: EventRow[] };
  return body.data;
}

export async function signIn(page: Page, url: string, person: Person): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname !== '/login');
}

/** The little of the DOM the in-page predicates use (the test code is compiled without the DOM lib). */
interface PageGlobals {
  document: { querySelector(selector: string): { dataset: Record<string, string | undefined> } | null };
}

/** Waits until the log shows the result of its current filters (not a previous one). */
export async function settled(page: Page): Promise<{ query: string; state: string }> {
  // A function, not a string: the dashboard's CSP forbids eval, and string predicates use it.
  await page.waitForFunction(() => {
    const log = (globalThis as unknown as PageGlobals).document.querySelector('.event-log');
    const state = log?.dataset.logState;
    return !!log && log.dataset.query === log.dataset.resultKey && state !== 'loading';
  });
  const log = page.locator('.event-log');
  return {
    query: (await log.getAttribute('data-query')) ?? '',
    state: (await log.getAttribute('data-log-state')) ?? '',
  };
}

export async function tableIds(page: Page): Promise<string[]> {
  return page
    .locator('tr[data-event-id]')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event-id') ?? ''));
}

/**
 * The table shows exactly the rows the API returns for the filters the page sends: same events,
 * same order. Returns the API's rows and the query. (The fixtures keep every view under one page.)
 */
export async function expectTableMatchesApi(
  page: Page,
  server: TestServer,
  key: string,
  expected: Record<string, string> = {},
): Promise<{ rows: EventRow[]; query: URLSearchParams }> {
  const { query, state } = await settled(page);
  const params = new URLSearchParams(query);
  for (const [name, value] of Object.entries(expected)) expect(params.get(name), name).toBe(value);
  const rows = await apiEvents(server, key, query);
  expect(rows.length, 'the fixtures keep each view under one page').toBeLessThanOrEqual(50);
  expect(await tableIds(page)).toEqual(rows.map((r) => r.id));
  expect(state).toBe(rows.length ? 'ready' : 'empty');
  return { rows, query: params };
}

export interface OwnerSession {
  server: TestServer;
  org: TestOrg;
  owner: Person;
  browser: Browser;
  close(): Promise<void>;
}

/** A dashboard server with the org Acme and its owner Olivia, signed in in Chromium. */
export async function ownerSignedIn(options: { alerts?: boolean } = {}): Promise<OwnerSession> {
  const server = await startDashboardServer(options);
  try {
    const org = await server.createOrg('Acme');
    const owner = await addPerson(server, org.id, 'owner', {
      email: 'olivia@acme.example',
      name: 'Olivia Owner',
    });
    const browser = await launchChromium();
    await signIn(browser.page, server.url, owner);
    return {
      server,
      org,
      owner,
      browser,
      close: async () => {
        await browser.close();
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
