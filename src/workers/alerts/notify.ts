import type { Mailer } from '../../delivery/mailer.js';
import { networkFailure, permanent, type SendResult } from '../../delivery/send-result.js';
import { type SlackAlert, sendSlackMessage, slackMessage } from '../../delivery/slack.js';
import { sendSignedWebhook } from '../../delivery/webhook.js';
import type { AlertChannelRecord, AlertRecord } from '../../store/alert-store.js';

/**
 * What an alert says on each kind of channel, and sending it there: a signed JSON webhook
 * (Standard Webhooks), a plain-text email, a Slack Block Kit message. Each links to the alert's
 * matching events in the dashboard's audit log, with its filters applied.
 */

export interface NotifyDeps {
  mailer: Mailer;
  /** The dashboard's address, for links (TRAILMARK_PUBLIC_URL). */
  publicUrl: string;
  timeoutMs?: number;
}

/** The audit log page listing the alert's matching events. */
export function eventsLink(publicUrl: string, alert: Pick<AlertRecord, 'org' | 'event_filter'>): string {
  const params = new URLSearchParams({ org: alert.org, ...alert.event_filter });
  return `${publicUrl}/settings/audit-log?${params}`;
}

/**
 * What an alert says about what it found, as the API and the webhooks show it alike: no org,
 * and none of what people do with it afterwards (acknowledging, resolving).
 */
export function alertFacts(alert: AlertRecord) {
  return {
    id: alert.id,
    source: { kind: alert.source_kind, id: alert.source_id, name: alert.source_name },
    severity: alert.severity,
    title: alert.title,
    description: alert.description,
    group_key: alert.group_key,
    window_start: alert.window_start,
    window_end: alert.window_end,
    matched_count: alert.matched_count,
    sample_event_ids: alert.sample_event_ids,
    event_filter: alert.event_filter,
    details: alert.details,
  };
}

/** The webhook body: the alert as the API shows it, plus the link. */
export function webhookBody(alert: AlertRecord, publicUrl: string, test = false): string {
  return JSON.stringify({
    type: test ? 'alert.test' : 'alert.triggered',
    org: alert.org,
    alert: { ...alertFacts(alert), created_at: alert.created_at },
    events_url: eventsLink(publicUrl, alert),
  });
}

function emailText(alert: AlertRecord, publicUrl: string): string {
  return [
    alert.description,
    '',
    `Severity: ${alert.severity}`,
    `Raised by: ${alert.source_name} (${alert.source_kind} ${alert.source_id})`,
    `Matched events: ${alert.matched_count}, from ${alert.window_start} to ${alert.window_end}`,
    `Group: ${alert.group_key}`,
    '',
    `The matching events: ${eventsLink(publicUrl, alert)}`,
    `Alert ${alert.id} in organization ${alert.org}.`,
  ].join('\n');
}

function slackAlert(alert: AlertRecord, publicUrl: string): SlackAlert {
  return {
    title: `[${alert.severity}] ${alert.title}`,
    summary: alert.description,
    fields: [
      { label: 'Raised by', value: alert.source_name },
      { label: 'Matched events', value: String(alert.matched_count) },
      { label: 'Window', value: `${alert.window_start} to ${alert.window_end}` },
      { label: 'Group', value: alert.group_key },
    ],
    link: { url: eventsLink(publicUrl, alert), text: 'Show the events' },
    footer: `Trailmark alert ${alert.id} · organization ${alert.org}`,
  };
}

/** Sends one alert to one channel; never throws (every failure is a SendResult). */
export async function sendAlert(
  channel: AlertChannelRecord,
  alert: AlertRecord,
  deps: NotifyDeps,
  options: { test?: boolean } = {},
): Promise<SendResult> {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  try {
    switch (channel.type) {
      case 'webhook': {
        if (!channel.config.url || !channel.secret) return permanent('the channel has no url or secret');
        // One message id per alert and channel: a retry is recognisably the same message.
        const messageId = `msg_${alert.id}_${channel.id}${options.test ? `_test_${Date.now()}` : ''}`;
        return await sendSignedWebhook(
          { url: channel.config.url, secret: channel.secret, timeoutMs },
          messageId,
          webhookBody(alert, deps.publicUrl, options.test),
        );
      }
      case 'slack':
        if (!channel.secret) return permanent('the channel has no url');
        return await sendSlackMessage(channel.secret, slackMessage(slackAlert(alert, deps.publicUrl)), {
          timeoutMs,
        });
      case 'email': {
        const to = channel.config.to ?? [];
        if (to.length === 0) return permanent('the channel has no recipients');
        const how = await deps.mailer.send({
          to: to.join(', '),
          subject: `[Trailmark ${alert.severity}] ${alert.title}`,
          text: emailText(alert, deps.publicUrl),
        });
        if (how === 'log') return permanent('SMTP_URL is not set: the message was only logged');
        return { outcome: 'delivered', delivered: 1 };
      }
    }
  } catch (error) {
    // nodemailer throws on SMTP failures; a 5xx answer from the server will not change by retrying.
    const code = (error as { responseCode?: number }).responseCode;
    if (typeof code === 'number' && code >= 500) return permanent(String((error as Error).message));
    return networkFailure(error);
  }
}

/** A made-up alert for "send test". */
export function testAlert(org: string, now: Date): AlertRecord {
  const at = now.toISOString();
  return {
    org,
    id: 'alert_test',
    dedupe_key: 'test',
    source_kind: 'detector',
    source_id: 'test',
    source_name: 'Test message',
    severity: 'low',
    title: 'Test alert from Trailmark',
    description: 'This is a test message: the channel is set up correctly.',
    group_key: '*',
    window_start: at,
    window_end: at,
    matched_count: 0,
    sample_event_ids: [],
    event_filter: { from: at, to: at },
    details: {},
    created_at: at,
    status: 'open',
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
  };
}
