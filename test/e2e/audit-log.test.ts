import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { expectAccessible } from './helpers/accessibility.js';
import { type Browser, describeInChromium, launchChromium, screenshot } from './helpers/chromium.js';
import {
  addPerson,
  apiEvents,
  expectTableMatchesApi,
  ingest,
  type Person,
  settled,
  signIn,
  startDashboardServer,
  type TestOrg,
  tableIds,
} from './helpers/fixture.js';
import { otherOrgEvents, seedEvents, XSS_DESCRIPTION } from './helpers/seed-data.js';
import { dayInZone, formatInZone, startOfDayIn } from './helpers/time.js';

const ZONE = 'Europe/Berlin'; // the browser's zone (helpers/chromium.ts); the server runs in UTC
const DAY = 86_400_000;

describeInChromium('audit log and API requests in Chromium', () => {
  let server: TestServer;
  let org: TestOrg;
  let other: TestOrg;
  let owner: Person;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];

  const field = (label: string) => page.getByLabel(label, { exact: true });
  const applyText = async (label: string, value: string) => {
    await field(label).fill(value);
    await field(label).press('Enter');
  };
  const row = (text: string) => page.locator('tr[data-event-id]', { hasText: text });

  beforeAll(async () => {
    server = await startDashboardServer();
    org = await server.createOrg('Acme');
    other = await server.createOrg('Globex');
    const now = Date.now();
    await ingest(server, org.writeKey, seedEvents(now));
    await ingest(server, other.writeKey, otherOrgEvents(now));
    owner = await addPerson(server, org.id, 'owner', { email: 'olivia@acme.example', name: 'Olivia Owner' });
    browser = await launchChromium();
    page = browser.page;
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in and opens the audit log on the last 30 days, newest first', async () => {
    await page.goto(`${server.url}/settings/audit-log`);
    await page.waitForURL(/\/login\?next=%2Fsettings%2Faudit-log$/);
    await screenshot(page, 'login');
    await expectAccessible(page, 'the sign-in page');
    await signIn(page, server.url, owner);
    await page.waitForURL(/\/settings\/audit-log/);
    const { rows, query } = await expectTableMatchesApi(page, server, org.readKey, { kind: 'audit' });
    const span = Date.parse(query.get('to')!) - Date.parse(query.get('from')!);
    expect(span).toBe(30 * DAY);
    expect(rows.some((r) => r.description === 'Grace Hopper signed in')).toBe(false); // 41 days old
    const times = rows.map((r) => Date.parse(r.occurred_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    await expect.poll(() => page.locator('.chain-status').textContent()).toMatch(/Chain head #\d+/);
    await screenshot(page, 'audit-log');
    await expectAccessible(page, 'the audit log');
  });

  it('verifies the chain on request and shows up to which event and when', async () => {
    await page.getByRole('button', { name: 'Verify now' }).click();
    const status = page.locator('.chain-status');
    await status.getByText('Chain verified').waitFor();
    const chain = (await (await server.request('/v1/chain', { key: org.readKey })).json()) as {
      last_verification: { ok: boolean; last_seq: number; verified_at: string };
    };
    expect(chain.last_verification.ok).toBe(true);
    const text = await status.textContent();
    expect(text).toContain(`up to #${chain.last_verification.last_seq.toLocaleString('en-GB')}`);
    expect(text).toContain(formatInZone(chain.last_verification.verified_at, ZONE));
    await screenshot(page, 'audit-log-verified');
  });

  it('never shows another org’s events', async () => {
    const shown = await tableIds(page);
    const theirs = await apiEvents(server, other.readKey, '');
    expect(theirs.length).toBeGreaterThan(0);
    expect(shown.filter((id) => theirs.some((e) => e.id === id))).toEqual([]);
    await expect.poll(() => page.getByText('Mallory signed in').count()).toBe(0);
  });

  it('shows times in the viewer’s zone as YYYY-MM-DD HH:MM:SS with UTC on hover', async () => {
    const [event] = (await apiEvents(server, org.readKey, 'q=renamed%20template')) as {
      occurred_at: string;
    }[];
    const time = row('renamed template Invoice').locator('time');
    expect(await time.textContent()).toBe(formatInZone(event!.occurred_at, ZONE));
    expect(await time.getAttribute('title')).toBe(`${formatInZone(event!.occurred_at, 'UTC')} UTC`);
    expect(await time.getAttribute('datetime')).toBe(event!.occurred_at);
    await expect.poll(() => page.locator('.filter-card').textContent()).toContain('Europe/Berlin');
  });

  it('colours action badges by kind', async () => {
    const badge = (text: string) => row(text).locator('.badge').first();
    expect(await badge('Ada Lovelace signed in').getAttribute('class')).toContain('badge-default');
    expect(await badge('created API key Production backend').getAttribute('class')).toContain(
      'badge-destructive',
    );
    expect(await badge('edited the onboarding guide').getAttribute('class')).toContain('badge-secondary');
    expect(await badge('opened the Support channel').getAttribute('class')).toContain('badge-outline');
  });

  it('filters by action: one action, then every action of a resource', async () => {
    await field('Action').focus();
    await field('Action').selectOption('template.updated');
    const one = await expectTableMatchesApi(page, server, org.readKey, { action: 'template.updated' });
    expect(one.rows.length).toBeGreaterThan(0);
    expect(new Set(one.rows.map((r) => r.action))).toEqual(new Set(['template.updated']));
    expect(new URL(page.url()).searchParams.get('action')).toBe('template.updated');

    await field('Action').focus();
    await field('Action').selectOption('template.*');
    const all = await expectTableMatchesApi(page, server, org.readKey, { action: 'template.*' });
    expect(new Set(all.rows.map((r) => r.action))).toEqual(
      new Set(['template.updated', 'template.created', 'template.deleted']),
    );
    await field('Action').focus();
    await field('Action').selectOption('');
    await expectTableMatchesApi(page, server, org.readKey);
  });

  it('filters by status', async () => {
    await field('Status').selectOption('failure');
    const { rows } = await expectTableMatchesApi(page, server, org.readKey, { status: 'failure' });
    expect(rows.map((r) => r.description)).toEqual(['Wrong password for grace@example.com']);
    await field('Status').selectOption('');
  });

  it('filters by date range presets, and by custom days in the viewer’s zone', async () => {
    const sizes: Record<string, number> = {};
    for (const preset of ['1h', '24h', '7d', '90d']) {
      await field('Date range').selectOption(preset);
      const { rows } = await expectTableMatchesApi(page, server, org.readKey);
      expect(new URL(page.url()).searchParams.get('range')).toBe(preset);
      sizes[preset] = rows.length;
    }
    expect(sizes['1h']).toBeLessThan(sizes['24h']!);
    expect(sizes['24h']).toBeLessThan(sizes['7d']!);
    expect(sizes['7d']).toBeLessThan(sizes['90d']!);

    // Whole days in the browser's zone: 14 to 7 days ago holds the events 8.3 and 12.5 days old.
    const from = dayInZone(Date.now() - 14 * DAY, ZONE);
    const to = dayInZone(Date.now() - 7 * DAY, ZONE);
    await page.getByLabel('From date').fill(from);
    await settled(page);
    await page.getByLabel('To date').fill(to);
    const { rows, query } = await expectTableMatchesApi(page, server, org.readKey);
    expect(Date.parse(query.get('from')!)).toBe(startOfDayIn(from, ZONE));
    expect(Date.parse(query.get('to')!)).toBe(
      startOfDayIn(dayInZone(Date.parse(`${to}T12:00:00Z`) + DAY, ZONE), ZONE) - 1,
    );
    expect(rows.map((r) => r.description)).toEqual([
      'Nightly schema migration 042 applied',
      'Grace Hopper deleted template Old receipt',
    ]);
    expect(await field('Date range').inputValue()).toBe('custom');
    await field('Date range').selectOption('30d');
  });

  it('filters by actor, resource type, workspace, IP and free text', async () => {
    const cases: [string, string, string, (r: Record<string, unknown>) => boolean][] = [
      [
        'Actor',
        'ada@example.com',
        'actor',
        (r) => (r.actor as { email?: string }).email === 'ada@example.com',
      ],
      ['Actor', 'usr_grace_51d0e8', 'actor', (r) => (r.actor as { id: string }).id === 'usr_grace_51d0e8'],
      [
        'Resource type',
        'template',
        'resource_type',
        (r) => (r.resource as { type?: string })?.type === 'template',
      ],
      ['Workspace', 'ws_marketing', 'workspace', (r) => r.workspace === 'ws_marketing'],
      ['IP address', '203.0.113.99', 'ip', (r) => (r.context as { ip?: string })?.ip === '203.0.113.99'],
    ];
    for (const [label, value, param, match] of cases) {
      await applyText(label, value);
      const { rows } = await expectTableMatchesApi(page, server, org.readKey, { [param]: value });
      expect(rows.length, `${label} ${value}`).toBeGreaterThan(0);
      expect(rows.every(match), `${label} ${value}`).toBe(true);
      await applyText(label, '');
    }
    await applyText('Search', 'INVOICE');
    const { rows } = await expectTableMatchesApi(page, server, org.readKey, { q: 'INVOICE' });
    expect(rows.map((r) => r.description).sort()).toEqual([
      'Ada Lovelace created template Invoice 2023',
      'Ada Lovelace renamed template Invoice',
    ]);
    await applyText('Search', '');
  });

  it('combines filters, keeps them in the URL and restores them on reload and Back', async () => {
    await field('Date range').selectOption('7d');
    await applyText('Actor', 'ada@example.com');
    await field('Action').focus();
    await field('Action').selectOption('template.*');
    const combined = await expectTableMatchesApi(page, server, org.readKey, {
      actor: 'ada@example.com',
      action: 'template.*',
    });
    expect(combined.rows.map((r) => r.description)).toEqual([
      'Ada Lovelace renamed template Invoice',
      'Ada Lovelace created template Invoice 2023',
    ]);
    await applyText('Workspace', 'ws_marketing');
    expect(
      (await expectTableMatchesApi(page, server, org.readKey, { workspace: 'ws_marketing' })).rows,
    ).toEqual([]);

    await page.goBack();
    await expectTableMatchesApi(page, server, org.readKey, {
      actor: 'ada@example.com',
      action: 'template.*',
    });
    expect(await field('Workspace').inputValue()).toBe('');

    const shared = page.url();
    await page.reload();
    await expectTableMatchesApi(page, server, org.readKey, {
      actor: 'ada@example.com',
      action: 'template.*',
    });
    expect(page.url()).toBe(shared);
    expect(await field('Actor').inputValue()).toBe('ada@example.com');
    expect(await field('Date range').inputValue()).toBe('7d');
    expect(await field('Action').inputValue()).toBe('template.*');

    await page.getByRole('button', { name: /^Clear all/ }).click();
    await expectTableMatchesApi(page, server, org.readKey);
    expect(new URL(page.url()).searchParams.get('actor')).toBeNull();
  });

  it('opens a row to every field of the event', async () => {
    const [event] = await apiEvents(server, org.readKey, 'q=renamed%20template');
    const target = row('renamed template Invoice');
    await target.getByRole('button', { name: /Show details/ }).click();
    const details = page.locator(`tr.details-row`);
    await details.waitFor();
    const text = (await details.textContent()) ?? '';
    const e = event as unknown as {
      id: string;
      hash: string;
      actor: { id: string; email: string };
      resource: { id: string };
      context: { ip: string; user_agent: string; location?: { country?: string; city?: string } };
      metadata: unknown;
    };
    for (const expected of [
      e.id,
      e.hash,
      e.actor.id,
      e.actor.email,
      e.resource.id,
      e.context.ip,
      e.context.user_agent,
    ]) {
      expect(text).toContain(expected);
    }
    if (e.context.location?.country) expect(text).toContain(e.context.location.country);
    expect(await details.getByRole('region', { name: 'Metadata' }).locator('pre').textContent()).toBe(
      JSON.stringify(e.metadata, null, 2),
    );
    expect(await target.getByRole('button', { name: /Hide details/ }).getAttribute('aria-expanded')).toBe(
      'true',
    );
    await target.evaluate((element) => (element as unknown as { scrollIntoView(): void }).scrollIntoView());
    await screenshot(page, 'audit-log-details');
    await expectAccessible(page, 'an opened event');
    await target.getByRole('button', { name: /Hide details/ }).click();
    await details.waitFor({ state: 'detached' });
  });

  it('works from the keyboard: skip link, filters with Enter, rows open with Enter', async () => {
    await page.goto(`${server.url}/settings/audit-log`);
    await settled(page);
    await page.keyboard.press('Tab');
    const focused = () =>
      page.evaluate(() => {
        const active = (
          globalThis as unknown as { document: { activeElement: { textContent: string; id: string } | null } }
        ).document.activeElement;
        return active ? `${active.id}|${active.textContent}` : '';
      });
    expect(await focused()).toBe('|Skip to content');
    await page.keyboard.press('Enter');
    expect(await focused()).toMatch(/^main\|/);

    await field('Actor').focus();
    await page.keyboard.type('grace@example.com');
    await page.keyboard.press('Enter');
    const { rows } = await expectTableMatchesApi(page, server, org.readKey, { actor: 'grace@example.com' });
    const toggle = row(rows[0]!.description!).getByRole('button', { name: /Show details/ });
    await toggle.focus();
    await page.keyboard.press('Enter');
    await page.locator('tr.details-row').waitFor();
    await page.keyboard.press('Enter');
    await page.locator('tr.details-row').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: /^Clear all/ }).focus();
    await page.keyboard.press('Enter');
    await expectTableMatchesApi(page, server, org.readKey);
  });

  it('shows an event whose description is HTML as text, and runs nothing', async () => {
    const cell = row('<img src=x').locator('td.col-description');
    expect(await cell.textContent()).toBe(XSS_DESCRIPTION);
    await row('<img src=x')
      .getByRole('button', { name: /Show details/ })
      .click();
    const details = page.locator('tr.details-row');
    expect(await details.textContent()).toContain('<script>alert(2)</script>');
    expect(await page.locator('img[src="x"], script:not([src]), [onerror], [onload]').count()).toBe(0);
    await row('<img src=x')
      .getByRole('button', { name: /Hide details/ })
      .click();
    expect(dialogs).toEqual([]);
  });

  it('exports exactly the rows of the current filters as CSV', async () => {
    await field('Date range').selectOption('7d');
    await field('Action').focus();
    await field('Action').selectOption('template.*');
    const { rows, query } = await expectTableMatchesApi(page, server, org.readKey, { action: 'template.*' });
    const link = page.getByRole('link', { name: 'Export CSV' });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const file = readFileSync((await download.path())!, 'utf8');
    const api = await server.request(`/v1/events/export.csv?${query}`, { key: org.readKey });
    expect(api.status).toBe(200);
    expect(file).toBe(await api.text());
    for (const r of rows) expect(file).toContain(r.id);
    expect(file.split('\n')[0]).toMatch(/^timestamp,action,status,/);
  });

  it('disables the export, saying why, when nothing matches', async () => {
    await applyText('Search', 'no event says this');
    const { state } = await settled(page);
    expect(state).toBe('empty');
    await page.getByText('No events match these filters', { exact: true }).waitFor();
    const button = page.getByRole('button', { name: 'Export CSV' });
    expect(await button.isDisabled()).toBe(true);
    const reason = page.locator(`#${await button.getAttribute('aria-describedby')}`);
    expect(await reason.textContent()).toBe('No events match these filters, so there is nothing to export.');
    expect(await page.getByRole('link', { name: 'Export CSV' }).count()).toBe(0);
    await screenshot(page, 'audit-log-empty');
    await expectAccessible(page, 'the empty state');
    await page.getByRole('button', { name: 'Clear all filters' }).click();
    await expectTableMatchesApi(page, server, org.readKey);
  });

  it('lists API requests with method, endpoint, status, time and key, filtered the same way', async () => {
    await page.getByRole('link', { name: 'API requests' }).click();
    await page.waitForURL(/\/settings\/api-requests/);
    const { rows } = await expectTableMatchesApi(page, server, org.readKey, { kind: 'request' });
    expect(rows.length).toBe(4);
    const render = row('/api/v1/templates/tpl_invoice_2024_v3_9a7c/render');
    const cells = await render.locator('td').allTextContents();
    expect(cells).toEqual(expect.arrayContaining(['POST', '201', '182 ms', '…c9d1']));
    await screenshot(page, 'api-requests');
    await expectAccessible(page, 'the API requests page');

    await field('Status').selectOption('failure');
    const failed = await expectTableMatchesApi(page, server, org.readKey, {
      kind: 'request',
      status: 'failure',
    });
    expect(failed.rows.length).toBe(2);
    await applyText('Search', '/api/v1/projects');
    await expectTableMatchesApi(page, server, org.readKey, { kind: 'request', q: '/api/v1/projects' });
    await page.getByRole('button', { name: /^Clear all/ }).click();
    await settled(page);

    await render.getByRole('button', { name: /Show details/ }).click();
    const details = page.locator('tr.details-row');
    const body = await details.getByRole('region', { name: 'Request body' }).locator('pre').textContent();
    expect(JSON.parse(body!)).toEqual({ customer: 'cus_88', password: '[REDACTED]' });
    const headers = await details
      .getByRole('region', { name: 'Request headers' })
      .locator('pre')
      .textContent();
    expect(JSON.parse(headers!).authorization).toBe('[REDACTED]');
  });

  it('signs out, and the log then needs a sign-in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await page.getByText('You have signed out.').waitFor();
    await page.goto(`${server.url}/settings/audit-log`);
    await page.waitForURL(/\/login\?next=/);
    expect(dialogs).toEqual([]);
  });
});
