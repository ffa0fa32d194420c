import { createHash } from 'node:crypto';
import { requestParts, sendInParts } from './batches.js';
import { httpSend } from './http-send.js';
import { lineBytes, ndjsonBytes, type OutboundRecord } from './record.js';
import type { SendResult, Transport } from './send-result.js';
import { webhookHeaders } from './standard-webhooks.js';

export interface WebhookConfig {
  url: string;
  /** `whsec_…`: every request is signed (Standard Webhooks). */
  secret: string;
  /** Sent as `Authorization: Bearer …` when set, for receivers behind a gateway that wants one. */
  bearerToken?: string;
  timeoutMs?: number;
  maxRequestBytes?: number;
  maxRecordsPerRequest?: number;
  /** The clock for `webhook-timestamp`; tests move it. */
  now?: () => number;
}

const DEFAULTS = { timeoutMs: 10_000, maxRequestBytes: 1024 * 1024, maxRecordsPerRequest: 500 };

/**
 * A message id that is the same whenever the same records are sent again, so a receiver can
 * recognise a retried request by `webhook-id` as the standard intends.
 */
export function batchMessageId(records: readonly OutboundRecord[]): string {
  const first = records[0]!;
  const last = records[records.length - 1]!;
  const digest = createHash('sha256').update(`${first.org}\n${first.seq}\n${last.seq}\n${last.id}`).digest();
  return `msg_${digest.subarray(0, 18).toString('base64url')}`;
}

function authorization(config: { bearerToken?: string }): Record<string, string> {
  return config.bearerToken ? { authorization: `Bearer ${config.bearerToken}` } : {};
}

/** HTTPS webhook for streams: each request is NDJSON, one formatted event a line, signed. */
export function createWebhookTransport(config: WebhookConfig): Transport {
  const settings = { ...DEFAULTS, ...config };
  const now = config.now ?? Date.now;
  return {
    async send(records) {
      const parts = requestParts(
        records,
        { maxRecords: settings.maxRecordsPerRequest, maxBytes: settings.maxRequestBytes },
        lineBytes,
      );
      return sendInParts(parts, (part) => {
        // Encoded once: signing and sending take the same bytes (a string is encoded for each).
        const body = ndjsonBytes(part);
        return httpSend(
          {
            url: settings.url,
            headers: {
              'content-type': 'application/x-ndjson',
              ...webhookHeaders(settings.secret, batchMessageId(part), body, now()),
              ...authorization(settings),
            },
            body,
            timeoutMs: settings.timeoutMs,
          },
          part.length,
        );
      });
    },
    async close() {},
  };
}

/**
 * One signed JSON message, for alert channels: `messageId` should stay the same across retries
 * of the same notification.
 */
export function sendSignedWebhook(
  config: Pick<WebhookConfig, 'url' | 'secret' | 'bearerToken' | 'timeoutMs' | 'now'>,
  messageId: string,
  body: string,
): Promise<SendResult> {
  const now = config.now ?? Date.now;
  return httpSend(
    {
      url: config.url,
      headers: {
        'content-type': 'application/json',
        ...webhookHeaders(config.secret, messageId, body, now()),
        ...authorization(config),
      },
      body,
      timeoutMs: config.timeoutMs ?? DEFAULTS.timeoutMs,
    },
    1,
  );
}
