import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../src/delivery/standard-webhooks.js';
import { WebhookReceiver } from '../helpers/receivers/webhook-receiver.js';
import type { TestServer } from '../helpers/test-server.js';
import { describeInChromium, screenshot } from './helpers/chromium.js';
import { apiEvents, ingest, type OwnerSession, ownerSignedIn, type TestOrg } from './helpers/fixture.js';

/**
 * Issue 16 acceptance in Chromium: a webhook stream created on the Streams page delivers every
 * event ingested after it to a real receiver on 127.0.0.1, and the page shows it caught up (no
 * lag) with its last success; "Send test" reaches the receiver; pausing is shown and recorded.
 */
describeInChromium('Streams page in Chromium', () => {
  let session: OwnerSession;
  let server: TestServer;
  let org: TestOrg;
  let page: Page;
  const secret = generateWebhookSecret();
  const receiver = new WebhookReceiver(secret);

  beforeAll(async () => {
    await receiver.start();
    session = await ownerSignedIn();
    ({ server, org } = session);
    page = session.browser.page;
  });

  afterAll(async () => {
    await session?.close();
    await receiver.close();
  });

  const row = () => page.locator('tr', { hasText: 'SIEM webhook' });

  it('creates a webhook stream that delivers every new event and shows its lag and last success', async () => {
    await page.getByRole('link', { name: 'Streams', exact: true }).click();
    await page.getByText('No streams yet').waitFor();
    await page.getByRole('button', { name: 'Create stream' }).click();
    const form = page.getByRole('form', { name: 'New stream' });
    await form.getByLabel('Name').fill('SIEM webhook');
    await form.getByLabel('URL').fill(receiver.url);
    await form.getByLabel('Signing secret').fill(secret);
    await form.getByRole('button', { name: 'Create stream' }).click();
    await page.getByText('“SIEM webhook” created.').waitFor();
    await row().waitFor();
    expect(await row().textContent()).toContain('HTTPS webhook');

    const acks = await ingest(
      server,
      org.writeKey,
      Array.from({ length: 25 }, (_, i) => ({
        action: 'document.viewed',
        actor: { type: 'user', id: `u_${i}` },
      })),
    );
    const delivered = () => new Set(receiver.lines.map((line) => (JSON.parse(line) as { id: string }).id));
    for (let i = 0; i < 300 && acks.some((a) => !delivered().has(a.id)); i++) await page.waitForTimeout(100);
    expect(acks.filter((a) => !delivered().has(a.id))).toEqual([]);

    // The page asks again every few seconds: it shows the stream caught up, with its last success.
    await row().locator('[data-cell="lag"]', { hasText: 'Up to date' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => row().locator('[data-cell="last-success"]').textContent()).not.toBe('never');
    expect(await row().locator('[data-cell="last-error"]').textContent()).toBe('none');
    expect(await row().textContent()).toContain('delivering');
    await screenshot(page, 'streams', { fullPage: true });

    const created = await apiEvents(server, org.readKey, 'action=stream.created');
    expect(created).toHaveLength(1);
    expect(JSON.stringify(created[0])).toContain('olivia@acme.example');
  });

  it('sends a test event to the receiver on request', async () => {
    const before = receiver.lines.length;
    await row().getByRole('button', { name: 'Send a test event to SIEM webhook' }).click();
    await page.getByText('A test event reached “SIEM webhook”.').waitFor();
    const added = receiver.lines.slice(before).map((line) => JSON.parse(line) as { action: string });
    expect(added.map((e) => e.action)).toContain('trailmark.stream_test');
  });

  it('pauses and resumes the stream, each recorded in the log', async () => {
    await row().getByRole('button', { name: 'Pause SIEM webhook' }).click();
    await page.getByText('“SIEM webhook” paused.').waitFor();
    await row().getByText('paused', { exact: true }).waitFor();
    await row().getByRole('button', { name: 'Resume SIEM webhook' }).click();
    await page.getByText('“SIEM webhook” resumed.').waitFor();
    await row().getByText('delivering').waitFor();
    const actions = (await apiEvents(server, org.readKey, 'action=stream.*')).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['stream.paused', 'stream.resumed']));
  });
});
