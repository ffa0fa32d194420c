import { afterEach, describe, expect, it } from 'vitest';
import { escapeSlackText, sendSlackMessage, slackMessage } from '../../src/delivery/slack.js';
import { HttpReceiver } from '../helpers/receivers/http-receiver.js';

const receivers: HttpReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A Slack incoming-webhook look-alike: wants JSON with a text fallback and a list of blocks. */
async function slackReceiver(): Promise<HttpReceiver> {
  const receiver = await new HttpReceiver({
    check(request) {
      try {
        const body = JSON.parse(request.body.toString()) as { text?: unknown; blocks?: unknown };
        if (typeof body.text !== 'string' || !Array.isArray(body.blocks)) throw new Error('shape');
      } catch {
        return { status: 400, body: 'invalid_payload' };
      }
      return undefined;
    },
    accept: { status: 200, body: 'ok', contentType: 'text/plain' },
  }).start();
  receivers.push(receiver);
  return receiver;
}

const alert = {
  title: 'Failed-login spike',
  summary: '10 failed sign-ins for <ada@example.com> & friends in 5 minutes',
  fields: [
    { label: 'Actor', value: 'usr_1 <script>' },
    { label: 'Window', value: '10:00–10:05 UTC' },
  ],
  link: { url: 'https://trailmark.example/settings/audit-log?action=user.login_failed', text: 'View events' },
  footer: 'Rule: failed logins > 9 in 5 min',
};

describe('Slack-compatible messages', () => {
  it('escapes &, < and > and nothing else', () => {
    expect(escapeSlackText('a & b <c> *d* _e_ "f"')).toBe('a &amp; b &lt;c&gt; *d* _e_ "f"');
  });

  it('builds Block Kit blocks with a text fallback, escaped', () => {
    const message = slackMessage(alert);
    expect(message.text).toBe(
      'Failed-login spike: 10 failed sign-ins for &lt;ada@example.com&gt; &amp; friends in 5 minutes',
    );
    expect(message.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Failed-login spike', emoji: false } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '10 failed sign-ins for &lt;ada@example.com&gt; &amp; friends in 5 minutes',
        },
      },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Actor*\nusr_1 &lt;script&gt;' },
          { type: 'mrkdwn', text: '*Window*\n10:00–10:05 UTC' },
        ],
      },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'View events' }, url: alert.link.url },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Rule: failed logins &gt; 9 in 5 min' }] },
    ]);
  });

  it('cuts long text to the Block Kit limits without splitting an escape', () => {
    const message = slackMessage({ title: 't'.repeat(300), summary: `${'x'.repeat(2997)}&&&` });
    const [header, section] = message.blocks as Array<{ text: { text: string } }>;
    expect(header!.text.text).toHaveLength(150);
    expect(section!.text.text.length).toBeLessThanOrEqual(3000);
    expect(section!.text.text).toMatch(/x…$/);
  });

  it('posts to the webhook; Slack errors are permanent, rate limits retryable', async () => {
    const receiver = await slackReceiver();
    expect(await sendSlackMessage(receiver.url, slackMessage(alert))).toEqual({
      outcome: 'delivered',
      delivered: 1,
    });
    expect(JSON.parse(receiver.accepted[0]!.body.toString())).toEqual(slackMessage(alert));
    receiver.failNext(1, 404, {}, 'channel_not_found');
    const gone = await sendSlackMessage(receiver.url, slackMessage(alert));
    expect(gone).toMatchObject({ outcome: 'permanent', status: 404 });
    expect(gone.outcome === 'permanent' && gone.reason).toContain('channel_not_found');
    receiver.failNext(1, 429, { 'retry-after': '30' });
    expect(await sendSlackMessage(receiver.url, slackMessage(alert))).toMatchObject({
      outcome: 'retryable',
      retryAfterMs: 30_000,
    });
  });
});
