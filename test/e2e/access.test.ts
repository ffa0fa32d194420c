import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { expectAccessible } from './helpers/accessibility.js';
import { type Browser, describeInChromium, launchChromium, screenshot } from './helpers/chromium.js';
import {
  addPerson,
  expectTableMatchesApi,
  ingest,
  PASSWORD,
  type Person,
  signIn,
  startDashboardServer,
  type TestOrg,
} from './helpers/fixture.js';
import { otherOrgEvents, seedEvents } from './helpers/seed-data.js';

describeInChromium('sign-in, permissions, organizations and invitations in Chromium', () => {
  let server: TestServer;
  let acme: TestOrg;
  let globex: TestOrg;
  let owner: Person;
  let member: Person;
  let auditor: Person;
  let browser: Browser;
  let page: Page;

  const signOut = async () => {
    await browser.context.clearCookies();
    await page.goto(`${server.url}/login`);
  };

  beforeAll(async () => {
    server = await startDashboardServer();
    acme = await server.createOrg('Acme');
    globex = await server.createOrg('Globex');
    const now = Date.now();
    await ingest(server, acme.writeKey, seedEvents(now));
    await ingest(server, globex.writeKey, otherOrgEvents(now));
    owner = await addPerson(server, acme.id, 'owner', { email: 'olivia@acme.example', name: 'Olivia Owner' });
    await addPerson(server, globex.id, 'admin', { email: owner.email, name: owner.name });
    member = await addPerson(server, acme.id, 'member', { email: 'max@acme.example', name: 'Max Member' });
    const role = await server.request('/v1/roles', {
      method: 'POST',
      headers: { 'trailmark-org': acme.id },
      json: { name: 'Auditor', permissions: ['viewAuditLog'] },
    });
    expect(role.status).toBe(201);
    const { id: auditorRole } = (await role.json()) as { id: string };
    auditor = await addPerson(server, acme.id, auditorRole, {
      email: 'ava@acme.example',
      name: 'Ava Auditor',
    });
    browser = await launchChromium();
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('refuses a wrong password with a clear message', async () => {
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('The email or password is not correct.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('redirects a member without viewAuditLog away from the log pages, and the API refuses them', async () => {
    await signIn(page, server.url, member);
    await page.waitForURL(/\/settings\/organization$/);
    expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    for (const path of ['/settings/audit-log', '/settings/api-requests?action=user.login']) {
      await page.goto(server.url + path);
      await page.waitForURL(/\/settings\/organization$/);
      const notice = page.getByRole('status').filter({ hasText: 'You were redirected' });
      await notice.waitFor();
      expect(await notice.textContent()).toContain('“View audit log” permission');
      expect(await notice.textContent()).toContain('“member”');
    }
    await screenshot(page, 'no-access-redirect');
    await expectAccessible(page, 'the settings page, read-only, with the redirect notice');
    const api = await page.request.get(`${server.url}/v1/events`, { headers: { 'trailmark-org': acme.id } });
    expect(api.status()).toBe(403);
    expect(api.headers()['content-type']).toMatch(/^application\/problem\+json/);
    await signOut();
  });

  it('lets a role with viewAuditLog but not exportAuditLog read the log, with export disabled and why', async () => {
    await signIn(page, server.url, auditor);
    await page.waitForURL(/\/settings\/audit-log/);
    await expectTableMatchesApi(page, server, acme.readKey);
    const button = page.getByRole('button', { name: 'Export CSV' });
    expect(await button.isDisabled()).toBe(true);
    const reason = page.locator(`#${await button.getAttribute('aria-describedby')}`);
    expect(await reason.textContent()).toContain('“Export audit log” permission');
    expect(await page.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    await signOut();
  });

  it('switches between the organizations of a person who belongs to several', async () => {
    await signIn(page, server.url, owner);
    await page.waitForURL(/\/settings\/audit-log/);
    await expectTableMatchesApi(page, server, acme.readKey);
    const switcher = page.getByLabel('Organization', { exact: true });
    await switcher.selectOption(globex.id);
    await page.waitForURL((u) => u.pathname === '/settings/audit-log');
    const { rows } = await expectTableMatchesApi(page, server, globex.readKey);
    expect(rows.some((r) => r.description === 'Mallory signed in to the other org')).toBe(true);
    expect(await page.locator('.org-role').textContent()).toBe('admin');

    // A view's link names its org, so it opens on that org whichever was chosen last.
    await page.getByLabel('Status', { exact: true }).selectOption('success');
    await expectTableMatchesApi(page, server, globex.readKey, { status: 'success' });
    const shared = page.url();
    expect(new URL(shared).searchParams.get('org')).toBe(globex.id);
    await switcher.selectOption(acme.id);
    await expectTableMatchesApi(page, server, acme.readKey);
    await page.goto(shared);
    await expectTableMatchesApi(page, server, globex.readKey, { status: 'success' });
    expect(await switcher.inputValue()).toBe(globex.id);
    await switcher.selectOption(acme.id);
    await expectTableMatchesApi(page, server, acme.readKey);
  });

  it('invites someone from the members page; they accept and land in the org', async () => {
    await page.getByRole('link', { name: 'Members & roles' }).click();
    await page.getByRole('table', { name: 'Members of this organization' }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill('nora@acme.example');
    await page.getByLabel('Role', { exact: true }).selectOption('admin');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const link = page.getByLabel('Invitation link');
    await link.waitFor();
    const acceptUrl = new URL(await link.inputValue());
    expect(acceptUrl.pathname).toBe('/invitations/accept');
    await page
      .getByRole('table', { name: 'Invitations not accepted yet' })
      .getByText('nora@acme.example')
      .waitFor();
    await screenshot(page, 'members');
    await expectAccessible(page, 'the members page');

    await signOut();
    await page.goto(`${server.url}/invitations/accept${acceptUrl.search}`);
    await page.getByLabel('Your name').fill('Nora New');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(`${PASSWORD}!`);
    await page.getByText('The passwords differ.').waitFor();
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await screenshot(page, 'accept-invitation');
    await expectAccessible(page, 'the invitation page');
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.waitForURL(/\/settings\/audit-log/);
    expect(await page.locator('.account-email').textContent()).toBe('nora@acme.example');
    expect(await page.locator('.org-role').textContent()).toBe('admin');
    await expectTableMatchesApi(page, server, acme.readKey);

    // The link is single-use.
    await signOut();
    await page.goto(`${server.url}/invitations/accept${acceptUrl.search}`);
    await page.getByLabel('Your name').fill('Someone Else');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.getByRole('alert').waitFor();
    expect(new URL(page.url()).pathname).toBe('/invitations/accept');
  });

  it('changes a member’s role from the members page', async () => {
    await signIn(page, server.url, owner);
    await page.goto(`${server.url}/settings/members`);
    const role = page.getByLabel('Role of Max Member');
    await role.selectOption('admin');
    await page.getByText('Max Member is now admin.').waitFor();
    const res = await server.request('/v1/members', { headers: { 'trailmark-org': acme.id } });
    const { data } = (await res.json()) as { data: { email: string; role: string }[] };
    expect(data.find((m) => m.email === member.email)?.role).toBe('admin');

    await signOut();
    await signIn(page, server.url, member);
    await page.waitForURL(/\/settings\/audit-log/);
    await expectTableMatchesApi(page, server, acme.readKey);
  });
});
