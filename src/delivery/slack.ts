import { httpSend } from './http-send.js';
import type { SendResult } from './send-result.js';

/**
 * Messages for Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat): Block Kit
 * `blocks` and a plain `text` fallback for notifications and clients without blocks.
 */

/** Slack's three control characters in message text; everything else is shown as written. */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface SlackAlert {
  title: string;
  summary: string;
  fields?: Array<{ label: string; value: string }>;
  /** A button to the matching events in the dashboard. */
  link?: { url: string; text: string };
  footer?: string;
}

type Block = Record<string, unknown>;

/** Block Kit's length limits, so a long value is cut instead of the whole message refused. */
const LIMITS = { header: 150, section: 3000, field: 2000, fields: 10, button: 75, url: 3000, context: 2000 };

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Escapes first, then cuts, without leaving half an entity (`&am…`) at the end. */
function mrkdwn(text: string, max: number): string {
  const escaped = escapeSlackText(text);
  if (escaped.length <= max) return escaped;
  return `${escaped.slice(0, max - 1).replace(/&[a-z]{0,3}$/, '')}…`;
}

export function slackMessage(alert: SlackAlert): { text: string; blocks: Block[] } {
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(alert.title, LIMITS.header), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: mrkdwn(alert.summary, LIMITS.section) } },
  ];
  const fields = (alert.fields ?? []).slice(0, LIMITS.fields);
  if (fields.length > 0) {
    blocks.push({
      type: 'section',
      fields: fields.map((field) => ({
        type: 'mrkdwn',
        text: mrkdwn(`${field.label}\n${field.value}`, LIMITS.field).replace(/^([^\n]*)\n/, '*$1*\n'),
      })),
    });
  }
  if (alert.link && alert.link.url.length <= LIMITS.url) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: cut(alert.link.text, LIMITS.button) },
          url: alert.link.url,
        },
      ],
    });
  }
  if (alert.footer) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: mrkdwn(alert.footer, LIMITS.context) }],
    });
  }
  return { text: mrkdwn(`${alert.title}: ${alert.summary}`, LIMITS.section), blocks };
}

/** Posts one message; Slack answers `ok`, or an error such as 404 `channel_not_found`. */
export function sendSlackMessage(
  url: string,
  message: { text: string; blocks: Block[] },
  options: { timeoutMs?: number } = {},
): Promise<SendResult> {
  return httpSend(
    {
      url,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(message),
      timeoutMs: options.timeoutMs ?? 10_000,
    },
    1,
  );
}
