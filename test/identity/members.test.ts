import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { addUser, Browser, signedIn } from './identity-helpers.js';

interface Received {
  to: string[];
  text: string;
}

/** A real SMTP server on 127.0.0.1 that keeps what it receives. */
async function smtpSink(): Promise<{ url: string; mails: Received[]; close: () => Promise<void> }> {
  const mails: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
      let text = '';
      stream.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
      });
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), text });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise((r) => server.close(() => r())) };
}

const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

describe.each(BACKENDS)('members, invitations and roles on $name', (backend) => {
  let t: TestServer;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  let clock = Date.now();
  let org: { id: string; adminKey: string; readKey: string };
  let owner: Browser;

  beforeAll(async () => {
    smtp = await smtpSink();
    t = await startTestServer({
      backend,
      now: () => new Date(clock),
      config: { smtpUrl: smtp.url, publicUrl: 'https://audit.example.test' },
    });
    org = await t.createOrg('Members');
    const o = await addUser(t, org.id, 'owner');
    owner = await signedIn(t, o.email, o.password, org.id);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('invites by email (SMTP), accepts once with a new account, and signs the person in', async () => {
    const res = await owner.fetch('/v1/members/invitations', {
      method: 'POST',
      json: { email: 'New.Person@Example.test', role: 'admin' },
    });
    expect(res.status).toBe(201);
    const invitation = (await res.json()) as {
      id: string;
      email: string;
      accept_url: string;
      delivery: string;
    };
    expect(invitation).toMatchObject({ email: 'new.person@example.test', role: 'admin', delivery: 'smtp' });
    expect(invitation.accept_url.startsWith('https://audit.example.test/invitations/accept?token=tmi_')).toBe(
      true,
    );
    const mail = smtp.mails.find((m) => m.to.includes('new.person@example.test'))!;
    expect(mail.text.replace(/=\r?\n/g, '')).toContain(tokenOf(invitation.accept_url));

    const pending = (await (await owner.fetch('/v1/members')).json()) as {
      invitations: Array<{ id: string }>;
    };
    expect(pending.invitations.map((i) => i.id)).toContain(invitation.id);

    const browser = new Browser(t.url);
    const weak = await browser.fetch('/v1/invitations/accept', {
      method: 'POST',
      json: { token: tokenOf(invitation.accept_url), name: 'New Person', password: 'password1234' },
    });
    expect(weak.status).toBe(400);
    expect(((await weak.json()) as { errors: Array<{ path: string }> }).errors[0]!.path).toBe('/password');
    const accepted = await browser.fetch('/v1/invitations/accept', {
      method: 'POST',
      json: { token: tokenOf(invitation.accept_url), name: 'New Person', password: 'orchid lantern quietly' },
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({
      user: { email: 'new.person@example.test', name: 'New Person' },
      orgs: [{ id: org.id, role: 'admin' }],
    });
    expect((await browser.fetch('/v1/auth/me')).status).toBe(200);
    const again = await new Browser(t.url).fetch('/v1/invitations/accept', {
      method: 'POST',
      json: { token: tokenOf(invitation.accept_url), name: 'Someone', password: 'orchid lantern quietly' },
    });
    expect(again.status).toBe(404);
    const members = (await (await owner.fetch('/v1/members')).json()) as {
      data: Array<{ email: string; role: string }>;
      invitations: Array<{ id: string }>;
    };
    expect(members.data.find((m) => m.email === 'new.person@example.test')?.role).toBe('admin');
    expect(members.invitations.map((i) => i.id)).not.toContain(invitation.id);
  });

  it('refuses expired invitations, and asks an existing account for its own password', async () => {
    const existing = await addUser(t, (await t.createOrg('Elsewhere')).id, 'member');
    const invite = async (email: string) =>
      (await (
        await owner.fetch('/v1/members/invitations', { method: 'POST', json: { email, role: 'member' } })
      ).json()) as { accept_url: string };
    const late = await invite('late@example.test');
    const joining = await invite(existing.email);
    const accept = (url: string, password: string) =>
      new Browser(t.url).fetch('/v1/invitations/accept', {
        method: 'POST',
        json: { token: tokenOf(url), name: 'Whoever', password },
      });
    expect((await accept(joining.accept_url, 'not their password')).status).toBe(401);
    const joined = await accept(joining.accept_url, existing.password);
    expect(joined.status).toBe(200);
    expect(((await joined.json()) as { orgs: unknown[] }).orgs).toHaveLength(2);
    clock += 7 * 24 * 3_600_000 + 1;
    expect((await accept(late.accept_url, 'orchid lantern quietly')).status).toBe(404);
  });

  it('writes the link to the log when SMTP_URL is unset', async () => {
    const plain = await startTestServer({ backend });
    try {
      const o = await plain.createOrg('No mail');
      const res = await plain.request('/v1/members/invitations', {
        method: 'POST',
        key: o.adminKey,
        json: { email: 'logged@example.test', role: 'member' },
      });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { delivery: string }).delivery).toBe('log');
    } finally {
      await plain.close();
    }
  });

  it('protects the last owner, and lets only owners touch the owner role', async () => {
    const o = await t.createOrg('Owners');
    const first = await addUser(t, o.id, 'owner');
    const admin = await addUser(t, o.id, 'admin');
    const ownerBrowser = await signedIn(t, first.email, first.password, o.id);
    const adminBrowser = await signedIn(t, admin.email, admin.password, o.id);
    const patch = (b: Browser, id: string, role: string) =>
      b.fetch(`/v1/members/${id}`, { method: 'PATCH', json: { role } });
    expect((await patch(ownerBrowser, first.id, 'admin')).status).toBe(409);
    expect((await ownerBrowser.fetch(`/v1/members/${first.id}`, { method: 'DELETE' })).status).toBe(409);
    expect((await patch(adminBrowser, first.id, 'member')).status).toBe(403);
    expect((await adminBrowser.fetch(`/v1/members/${first.id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await patch(adminBrowser, admin.id, 'owner')).status).toBe(403);
    const invite = await adminBrowser.fetch('/v1/members/invitations', {
      method: 'POST',
      json: { email: 'would-be-owner@example.test', role: 'owner' },
    });
    expect(invite.status).toBe(403);
    expect((await patch(ownerBrowser, admin.id, 'owner')).status).toBe(200);
    expect((await patch(ownerBrowser, first.id, 'member')).status).toBe(200);
    expect((await patch(adminBrowser, admin.id, 'admin')).status).toBe(409); // now the last owner
  });

  it('custom roles grant exactly their permissions, cannot exceed the granter, and are not deleted in use', async () => {
    const o = await t.createOrg('Roles');
    const boss = await addUser(t, o.id, 'owner');
    const bossBrowser = await signedIn(t, boss.email, boss.password, o.id);
    const created = await bossBrowser.fetch('/v1/roles', {
      method: 'POST',
      json: { name: 'People manager', permissions: ['manageMembers'] },
    });
    expect(created.status).toBe(201);
    const managerRole = (await created.json()) as { id: string };
    const manager = await addUser(t, o.id, managerRole.id);
    const managerBrowser = await signedIn(t, manager.email, manager.password, o.id);
    expect((await managerBrowser.fetch('/v1/members')).status).toBe(200);
    expect((await managerBrowser.fetch('/v1/events')).status).toBe(403);
    const escalate = await managerBrowser.fetch('/v1/roles', {
      method: 'POST',
      json: { name: 'Sneaky', permissions: ['manageMembers', 'viewAuditLog'] },
    });
    expect(escalate.status).toBe(403);
    const someone = await addUser(t, o.id, 'member');
    expect(
      (await managerBrowser.fetch(`/v1/members/${someone.id}`, { method: 'PATCH', json: { role: 'admin' } }))
        .status,
    ).toBe(403);
    expect(
      (
        await managerBrowser.fetch(`/v1/members/${someone.id}`, {
          method: 'PATCH',
          json: { role: managerRole.id },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await bossBrowser.fetch(`/v1/roles/${managerRole.id}`, {
          method: 'PATCH',
          json: { permissions: ['manageMembers', 'viewAuditLog'] },
        })
      ).status,
    ).toBe(200);
    expect((await managerBrowser.fetch('/v1/events')).status).toBe(200);
    expect(
      (await bossBrowser.fetch('/v1/roles/admin', { method: 'PATCH', json: { name: 'x' } })).status,
    ).toBe(403);
    expect(
      (await bossBrowser.fetch('/v1/roles', { method: 'POST', json: { name: 'Owner', permissions: [] } }))
        .status,
    ).toBe(400);
    expect((await bossBrowser.fetch(`/v1/roles/${managerRole.id}`, { method: 'DELETE' })).status).toBe(409);
    const roles = (await (await bossBrowser.fetch('/v1/roles')).json()) as {
      data: Array<{ id: string; built_in: boolean; permissions: string[] }>;
    };
    expect(roles.data.filter((r) => r.built_in).map((r) => r.id)).toEqual(['owner', 'admin', 'member']);
    expect(roles.data.find((r) => r.id === 'member')!.permissions).toEqual([]);
    expect(roles.data.find((r) => r.id === 'admin')!.permissions).toContain('viewAuditLog');
  });
});
