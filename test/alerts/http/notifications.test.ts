import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertView } from '../../../src/contracts/alerts.js';
import { verifyWebhook } from '../../../src/delivery/standard-webhooks.js';
import { BACKENDS } from '../../helpers/backends.js';
import { HttpReceiver } from '../../helpers/receivers/http-receiver.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { ingest, type TestOrg, unique } from '../../http/support.js';
import { json, waitForAlerts } from './support.js';

/**
 * Issue 15 acceptance: alerts reach a real signed-webhook receiver (which verifies the
 * signature), a real SMTP server and a Slack-style receiver on 127.0.0.1; a receiver that fails
 * three times, then recovers, gets the alert.
 */

interface Mail {
  to: string[];
  text: string;
}

async function smtpSink(): Promise<{ url: string; mails: Mail[]; close: () => Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
      let text = '';
      stream.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
      });
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), text: text.replace(/=\r?\n/g, '') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise((r) => server.close(() => r())) };
}

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** A webhook endpoint that refuses (401) whatever does not carry a valid Standard Webhooks signature. */
function signedReceiver(): HttpReceiver {
  return new HttpReceiver({
    check(request) {
      const failure = verifyWebhook(SECRET, request.headers, request.body);
      return failure ? { status: 401, body: JSON.stringify({ error: failure }) } : undefined;
    },
  });
}

/** A Slack-style incoming webhook: wants Block Kit with a text fallback, answers `ok`. */
function slackReceiver(): HttpReceiver {
  return new HttpReceiver({
    check(request) {
      const body = JSON.parse(request.body.toString('utf8')) as { text?: string; blocks?: unknown[] };
      return body.text && Array.isArray(body.blocks) ? undefined : { status: 400, body: 'invalid_payload' };
    },
    accept: { status: 200, body: 'ok', contentType: 'text/plain' },
  });
}

for (const backend of BACKENDS) {
  describe(`alert notifications (${backend.name})`, () => {
    let t: TestServer;
    let smtp: Awaited<ReturnType<typeof smtpSink>>;
    const webhook = signedReceiver();
    const slack = slackReceiver();
    const flaky = signedReceiver();
    beforeAll(async () => {
      smtp = await smtpSink();
      await Promise.all([webhook.start(), slack.start(), flaky.start()]);
      t = await startTestServer({
        backend,
        alerts: true,
        config: { smtpUrl: smtp.url, publicUrl: 'https://audit.example.test' },
      });
    });
    afterAll(async () => {
      await t?.close();
      await Promise.all([webhook.close(), slack.close(), flaky.close(), smtp?.close()]);
    });

    const channel = async (org: TestOrg, body: Record<string, unknown>) =>
      json<{ id: string }>(
        await t.request('/v1/alert-channels', { key: org.adminKey, method: 'POST', json: body }),
        201,
      );

    it('sends each alert to a signed webhook, an SMTP server and a Slack-style webhook', async () => {
      const org = await t.createOrg('Notified');
      await channel(org, {
        name: 'SIEM',
        type: 'webhook',
        url: `${webhook.url}/hooks/alerts`,
        secret: SECRET,
      });
      await channel(org, { name: 'Security team', type: 'email', to: ['security@example.test'] });
      await channel(org, { name: '#security', type: 'slack', url: `${slack.url}/services/T0/B0/X` });

      const actor = { type: 'user', id: unique('creator'), email: 'mallory@example.test' };
      await ingest(t, org.writeKey, [
        { action: 'api_key.created', actor, resource: { type: 'api_key', id: 'key_9' } },
      ]);
      const [alert] = (
        await waitForAlerts(t, org.adminKey, (list) => list.some((a) => a.group_key === `actor:${actor.id}`))
      ).filter((a) => a.group_key === `actor:${actor.id}`);

      const hooked = () => webhook.accepted.filter((r) => r.body.toString().includes(alert!.id));
      await webhook.waitFor(() => hooked().length > 0);
      const body = JSON.parse(hooked()[0]!.body.toString()) as {
        type: string;
        alert: { id: string };
        events_url: string;
      };
      expect(body.type).toBe('alert.triggered');
      expect(body.alert.id).toBe(alert!.id);
      expect(body.events_url).toContain('https://audit.example.test/settings/audit-log?');
      expect(body.events_url).toContain(`actor=${actor.id}`);
      expect(hooked()[0]!.headers['webhook-id']).toMatch(/^msg_alert_/);

      await slack.waitFor(() =>
        slack.accepted.some((r) => r.body.toString().includes('mallory@example.test')),
      );
      const deadline = Date.now() + 20_000;
      while (!smtp.mails.some((m) => m.text.includes(alert!.id)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const mail = smtp.mails.find((m) => m.text.includes(alert!.id))!;
      expect(mail.to).toEqual(['security@example.test']);
      expect(mail.text).toContain(alert!.title);
      expect(mail.text).toContain('https://audit.example.test/settings/audit-log?');

      // Each delivery's status is on the alert.
      let view: AlertView | undefined;
      for (let i = 0; i < 100; i++) {
        view = await json<AlertView>(await t.request(`/v1/alerts/${alert!.id}`, { key: org.adminKey }), 200);
        if (view.deliveries.every((d) => d.status === 'delivered')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(view!.deliveries.map((d) => [d.channel_type, d.status, d.attempts]).sort()).toEqual([
        ['email', 'delivered', 1],
        ['slack', 'delivered', 1],
        ['webhook', 'delivered', 1],
      ]);
    });

    it('retries a receiver that fails three times and delivers once it recovers', async () => {
      const org = await t.createOrg('Flaky');
      // The org's own keys raised alerts when it was made: let them pass before the channel exists.
      await waitForAlerts(t, org.adminKey, (list) => list.length >= 3);
      await channel(org, { name: 'Flaky', type: 'webhook', url: flaky.url, secret: SECRET });
      flaky.failNext(3, 503);
      const actor = { type: 'user', id: unique('creator') };
      await ingest(t, org.writeKey, [{ action: 'member.removed', actor }]);
      await flaky.waitFor(() => flaky.accepted.some((r) => r.body.toString().includes(actor.id)), 30_000);
      expect(flaky.seen).toBe(4);
      const [alert] = (
        await waitForAlerts(t, org.adminKey, (list) =>
          list.some((a) => a.group_key === `actor:${actor.id}` && a.deliveries[0]?.status === 'delivered'),
        )
      ).filter((a) => a.group_key === `actor:${actor.id}`);
      expect(alert!.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 4, last_error: null });
    });

    it('sends a test message on request and says how it went', async () => {
      const org = await t.createOrg('Test send');
      const ok = await channel(org, { name: 'Hook', type: 'webhook', url: webhook.url, secret: SECRET });
      const result = await json<{ ok: boolean; detail: string }>(
        await t.request(`/v1/alert-channels/${ok.id}/test`, { key: org.adminKey, method: 'POST' }),
        200,
      );
      expect(result).toEqual({ ok: true, detail: 'delivered' });
      expect(webhook.accepted.some((r) => JSON.parse(r.body.toString()).type === 'alert.test')).toBe(true);

      const wrong = await channel(org, {
        name: 'Wrong secret',
        type: 'webhook',
        url: webhook.url,
        secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      });
      const refused = await json<{ ok: boolean; detail: string }>(
        await t.request(`/v1/alert-channels/${wrong.id}/test`, { key: org.adminKey, method: 'POST' }),
        200,
      );
      expect(refused.ok).toBe(false);
      expect(refused.detail).toContain('401');
    });
  });
}
