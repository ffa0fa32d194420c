import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { expectAccessible } from './helpers/accessibility.js';
import { type Browser, describeInChromium, launchChromium, screenshot } from './helpers/chromium.js';
import {
  addPerson,
  apiEvents,
  type Person,
  signIn,
  startDashboardServer,
  type TestOrg,
} from './helpers/fixture.js';

describeInChromium('API keys and settings pages in Chromium', () => {
  let server: TestServer;
  let org: TestOrg;
  let owner: Person;
  let browser: Browser;
  let page: Page;
  let secretKey = '';

  const sendEvent = (key: string) =>
    server.request('/v1/events', {
      method: 'POST',
      key,
      json: { action: 'document.viewed', actor: { type: 'service', id: 'svc_reports' } },
    });

  beforeAll(async () => {
    server = await startDashboardServer();
    org = await server.createOrg('Acme');
    owner = await addPerson(server, org.id, 'owner', { email: 'olivia@acme.example', name: 'Olivia Owner' });
    browser = await launchChromium();
    page = browser.page;
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await signIn(page, server.url, owner);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates an API key, shows its secret once with a copy button, and the key works', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('table', { name: 'API keys of this organization' }).waitFor();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an API key' });
    await dialog.getByLabel('Name').fill('Reporting service');
    await dialog.getByLabel(/events:read/).check();
    await dialog.getByLabel('Expires').selectOption('90');
    await dialog.getByRole('button', { name: 'Create key' }).click();

    const secretDialog = page.getByRole('dialog', { name: 'Copy your new API key' });
    const secretField = secretDialog.getByLabel('Key “Reporting service”');
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^tmk_/);
    await screenshot(page, 'api-key-created');
    await expectAccessible(page, 'the new key dialog');
    await secretDialog.getByRole('button', { name: 'Copy key' }).click();
    await secretDialog.getByText('Copied').waitFor();
    const clipboard = await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    expect(clipboard).toBe(secret);
    secretKey = secret;
    await secretDialog.getByRole('button', { name: 'I have stored the key' }).click();
    await secretDialog.waitFor({ state: 'hidden' });

    // Listed by name, prefix and last four: the secret itself is nowhere on the page any more.
    const row = page.locator('tr', { hasText: 'Reporting service' });
    await row.waitFor();
    expect(await row.textContent()).toContain(secret.slice(-4));
    expect(await page.content()).not.toContain(secret);
    expect((await sendEvent(secret)).status).toBe(201);
    const listed = await server.request(`/v1/events?actor=svc_reports`, { key: secret });
    expect(listed.status).toBe(200);
    await screenshot(page, 'api-keys');
    await expectAccessible(page, 'the API keys page');
  });

  it('disables, enables and revokes a key; a revoked key stops working at once', async () => {
    const row = page.locator('tr', { hasText: 'Reporting service' });
    const created = await server.request('/v1/api-keys', { headers: { 'trailmark-org': org.id } });
    const { data } = (await created.json()) as { data: { id: string; name: string; last4: string }[] };
    const key = data.find((k) => k.name === 'Reporting service')!;

    await row.getByRole('button', { name: 'Disable Reporting service' }).click();
    await page.getByText('“Reporting service” is now disabled.').waitFor();
    await row.getByRole('button', { name: 'Enable Reporting service' }).click();
    await page.getByText('“Reporting service” is now enabled.').waitFor();

    await row.getByRole('button', { name: 'Revoke Reporting service' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke this API key?' });
    await confirm.getByText(`…${key.last4}`).waitFor();
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('“Reporting service” has been revoked.').waitFor();
    await row.waitFor({ state: 'detached' });

    const after = await server.request('/v1/api-keys', { headers: { 'trailmark-org': org.id } });
    expect(((await after.json()) as { data: { id: string }[] }).data.some((k) => k.id === key.id)).toBe(
      false,
    );
    expect((await sendEvent(secretKey)).status).toBe(401);
    const deleted = await apiEvents(server, org.readKey, 'action=api_key.deleted');
    expect(deleted.some((e) => (e.resource as { id?: string })?.id === key.id)).toBe(true);
  });

  it('changes the retention period and legal hold from the settings page', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    const retention = page.getByLabel('Audit events (days)');
    await retention.waitFor();
    expect(await retention.inputValue()).toBe('90');
    await retention.fill('45');
    await page.getByLabel('Legal hold').check();
    await screenshot(page, 'settings');
    await expectAccessible(page, 'the settings page');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved retention days, legal hold.').waitFor();

    const res = await server.request(`/v1/orgs/${org.id}`);
    const saved = (await res.json()) as { retention_days: number; legal_hold: boolean };
    expect(saved.retention_days).toBe(45);
    expect(saved.legal_hold).toBe(true);
    const [event] = await apiEvents(server, org.readKey, 'action=retention.updated');
    expect(event?.metadata).toMatchObject({ after: { retention_days: 45, legal_hold: true } });

    // Out of range: the form refuses it before anything is sent, and nothing changes.
    await retention.fill('4000');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const invalid = await retention.evaluate(
      (input) => (input as unknown as { validity: { valid: boolean } }).validity.valid,
    );
    expect(invalid).toBe(false);
    expect(
      ((await (await server.request(`/v1/orgs/${org.id}`)).json()) as { retention_days: number })
        .retention_days,
    ).toBe(45);

    await page.reload();
    await page.getByLabel('Audit events (days)').waitFor();
    expect(await page.getByLabel('Audit events (days)').inputValue()).toBe('45');
    expect(await page.getByLabel('Legal hold').isChecked()).toBe(true);
  });

  it('renames the organization and the sidebar follows', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Acme Europe');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved name.').waitFor();
    await expect.poll(() => page.locator('.org-name').textContent()).toBe('Acme Europe');
  });
});
