import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AlertView } from '../../src/contracts/alerts.js';
import type { TestServer } from '../helpers/test-server.js';
import { describeInChromium, screenshot } from './helpers/chromium.js';
import { apiEvents, ingest, type OwnerSession, ownerSignedIn, type TestOrg } from './helpers/fixture.js';

/**
 * Issue 15 acceptance in Chromium: an alert appears on the Alerts page after the events that
 * trigger it are ingested, links to those events in the audit log, and acknowledging it is
 * recorded in the log; rules and channels are set up on their page.
 */
describeInChromium('Alerts and Rules & channels pages in Chromium', () => {
  let session: OwnerSession;
  let server: TestServer;
  let org: TestOrg;
  let page: Page;

  beforeAll(async () => {
    session = await ownerSignedIn({ alerts: true });
    ({ server, org } = session);
    page = session.browser.page;
  });

  afterAll(async () => {
    await session?.close();
  });

  it('shows an alert raised by ingested events, links to them, and records its acknowledgement', async () => {
    const actor = { type: 'user', id: 'u_victim', email: 'victim@acme.example' };
    const now = Date.now();
    await ingest(
      server,
      org.writeKey,
      Array.from({ length: 10 }, (_, i) => ({
        action: 'user.login_failed',
        actor,
        status: 'failure',
        occurred_at: new Date(now - (10 - i) * 5000).toISOString(),
      })),
    );
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    const row = page.locator('tr', { hasText: '10 failed sign-ins for victim@acme.example' });
    for (let i = 0; i < 100 && !(await row.isVisible()); i++) {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(200);
    }
    await row.waitFor();
    expect(await row.textContent()).toContain('open');
    await screenshot(page, 'alerts', { fullPage: true });

    // Its events, in the audit log with the alert's filters applied.
    await row.getByRole('link', { name: /Events of/ }).click();
    await page.waitForURL(
      (u) => u.pathname === '/settings/audit-log' && u.searchParams.get('actor') === 'u_victim',
    );
    await page.locator('tr', { hasText: 'user.login_failed' }).first().waitFor();
    await page.goBack();

    await page
      .locator('tr', { hasText: '10 failed sign-ins' })
      .getByRole('button', { name: /^Acknowledge/ })
      .click();
    await page.getByText(/acknowledged\./).waitFor();
    const acked = await apiEvents(server, org.readKey, 'action=alert.acknowledged');
    expect(acked).toHaveLength(1);
    expect(JSON.stringify(acked[0])).toContain('olivia@acme.example');
    const alerts = (await (
      await server.request('/v1/alerts?status=acknowledged', { key: org.adminKey })
    ).json()) as {
      data: AlertView[];
    };
    expect(alerts.data.map((a) => a.title)).toContain('10 failed sign-ins for victim@acme.example');
  });

  it('creates a rule and a channel, turns a detector off, and sends a test', async () => {
    await page.getByRole('link', { name: 'Rules & channels' }).click();
    await page.getByRole('table', { name: 'Built-in detectors' }).waitFor();
    await page.getByRole('button', { name: 'Create rule' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an alert rule' });
    await dialog.getByLabel('Name').fill('Bulk exports');
    await dialog.getByLabel('Actions').fill('document.exported');
    await dialog.getByLabel('Events that fire it').fill('20');
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    await page.locator('tr', { hasText: 'Bulk exports' }).waitFor();
    expect(await page.locator('tr', { hasText: 'Bulk exports' }).textContent()).toContain(
      '20× document.exported',
    );

    await page.getByRole('button', { name: 'Turn off Sign-in from a new country' }).click();
    await page.getByRole('button', { name: 'Turn on Sign-in from a new country' }).waitFor();

    await page.getByRole('button', { name: 'Add channel' }).click();
    const channel = page.getByRole('dialog', { name: 'Add a notification channel' });
    await channel.getByLabel('Kind').selectOption('email');
    await channel.getByLabel('Name').fill('Security team');
    await channel.getByLabel('Recipients').fill('security@acme.example');
    await channel.getByRole('button', { name: 'Add channel' }).click();
    await page.locator('tr', { hasText: 'security@acme.example' }).waitFor();
    await screenshot(page, 'alert-rules', { fullPage: true });
    // No SMTP_URL in this server: the test says so rather than pretending it went out.
    await page.getByRole('button', { name: 'Send a test to Security team' }).click();
    await page.getByText(/SMTP_URL is not set/).waitFor();

    const logged = await apiEvents(
      server,
      org.readKey,
      'action=alert_rule.created,alert_channel.created,detector.updated',
    );
    expect(logged).toHaveLength(3);
  });
});
