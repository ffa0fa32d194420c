import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { expectAccessible } from './helpers/accessibility.js';
import { type Browser, describeInChromium, launchChromium, screenshot } from './helpers/chromium.js';
import {
  apiEvents,
  expectTableMatchesApi,
  ingest,
  settled,
  startDashboardServer,
  type TestOrg,
  tableIds,
} from './helpers/fixture.js';
import { otherOrgEvents, seedEvents, XSS_DESCRIPTION } from './helpers/seed-data.js';

describeInChromium('embedded viewer in Chromium', () => {
  let server: TestServer;
  let acme: TestOrg;
  let globex: TestOrg;
  let browser: Browser;
  let page: Page;
  let clockOffset = 0;
  const dialogs: string[] = [];

  const mint = async (org: TestOrg, body: Record<string, unknown> = {}) => {
    const res = await server.request('/v1/viewer-tokens', { method: 'POST', key: org.adminKey, json: body });
    expect(res.status).toBe(201);
    return ((await res.json()) as { token: string }).token;
  };

  beforeAll(async () => {
    server = await startDashboardServer({ now: () => new Date(Date.now() + clockOffset) });
    acme = await server.createOrg('Acme');
    globex = await server.createOrg('Globex');
    const now = Date.now();
    await ingest(server, acme.writeKey, seedEvents(now));
    await ingest(server, globex.writeKey, otherOrgEvents(now));
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

  it('shows the org’s log read-only with a valid token, and takes the token out of the address bar', async () => {
    const token = await mint(acme);
    await page.goto(`${server.url}/embed?token=${token}&title=Activity%20of%20Acme`);
    const { rows } = await expectTableMatchesApi(page, server, acme.readKey, { kind: 'audit' });
    expect(rows.length).toBeGreaterThan(5);
    expect(new URL(page.url()).searchParams.get('token')).toBeNull();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Activity of Acme');
    expect(await page.getByText('Export CSV').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Members & roles' }).count()).toBe(0);
    expect(await page.getByText(XSS_DESCRIPTION, { exact: true }).count()).toBe(1);
    await screenshot(page, 'embed');
    await expectAccessible(page, 'the embedded viewer');

    await page.getByLabel('Action', { exact: true }).focus();
    await page.getByLabel('Action', { exact: true }).selectOption('template.*');
    await expectTableMatchesApi(page, server, acme.readKey, { action: 'template.*' });
    // A reload keeps working: the token stays in this tab's session storage.
    await page.reload();
    await expectTableMatchesApi(page, server, acme.readKey, { action: 'template.*' });
    expect(dialogs).toEqual([]);
  });

  it('is themed by CSS variables from its URL, and ignores values that are not plain CSS values', async () => {
    const token = await mint(acme);
    await page.goto(
      `${server.url}/embed?token=${token}&accent=%23b4235a&radius=2px&background=url(x)&font=Georgia%2C%20serif`,
    );
    await settled(page);
    const vars = await page.evaluate(() => {
      const style = (
        globalThis as unknown as {
          getComputedStyle(e: unknown): { getPropertyValue(n: string): string };
          document: { documentElement: unknown };
        }
      ).getComputedStyle(
        (globalThis as unknown as { document: { documentElement: unknown } }).document.documentElement,
      );
      return ['--tm-accent', '--tm-radius', '--tm-bg', '--tm-font'].map((n) =>
        style.getPropertyValue(n).trim(),
      );
    });
    expect(vars).toEqual(['#b4235a', '2px', '#f6f7f9', 'Georgia, serif']);
    const badge = page.locator('.badge-default').first();
    expect(
      await badge.evaluate(
        (e) =>
          (
            globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
          ).getComputedStyle(e).backgroundColor,
      ),
    ).toBe('rgb(180, 35, 90)');
    await screenshot(page, 'embed-themed');
  });

  it('shows only its own org’s events with another org’s token', async () => {
    const token = await mint(globex);
    await page.goto(`${server.url}/embed?token=${token}`);
    const { rows } = await expectTableMatchesApi(page, server, globex.readKey);
    const acmeIds = (await apiEvents(server, acme.readKey, '')).map((e) => e.id);
    expect(rows.length).toBeGreaterThan(0);
    expect((await tableIds(page)).filter((id) => acmeIds.includes(id))).toEqual([]);
    expect(await page.getByText('Mallory signed in to the other org').count()).toBe(1);
    expect(await page.getByText('renamed template Invoice').count()).toBe(0);
  });

  it('narrows to one workspace when the token says so', async () => {
    const token = await mint(acme, { workspace: 'ws_marketing' });
    await page.goto(`${server.url}/embed?token=${token}`);
    const { query } = await settled(page);
    const inWorkspace = await apiEvents(server, acme.readKey, `${query}&workspace=ws_marketing`);
    expect(inWorkspace.length).toBeGreaterThan(0);
    expect(await tableIds(page)).toEqual(inWorkspace.map((e) => e.id));
  });

  it('says the link has expired once the token has, and shows no events', async () => {
    const token = await mint(acme, { ttl_seconds: 60 });
    clockOffset = 2 * 60_000;
    try {
      await page.goto(`${server.url}/embed?token=${token}`);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('This viewer link has expired or is not valid.');
      expect(await page.locator('tr[data-event-id]').count()).toBe(0);
      await screenshot(page, 'embed-expired');
      await expectAccessible(page, 'the expired viewer');
    } finally {
      clockOffset = 0;
    }
  });

  it('refuses a token that was never issued, and a missing one', async () => {
    await page.goto(`${server.url}/embed?token=tmv_not_a_real_token`);
    await page.getByRole('alert').getByText('This viewer link has expired or is not valid.').waitFor();
    await page.evaluate(() =>
      (globalThis as unknown as { sessionStorage: { clear(): void } }).sessionStorage.clear(),
    );
    await page.goto(`${server.url}/embed`);
    await page.getByRole('alert').getByText('This viewer link has no access token.').waitFor();
  });
});
