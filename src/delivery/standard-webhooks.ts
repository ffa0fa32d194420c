import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (standardwebhooks.com), shared by streams and alert channels.
 * The secret is `whsec_` + base64 of the key bytes; each message carries `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature`: space-separated `v1,<base64>`
 * entries, each an HMAC-SHA256 of `${id}.${timestamp}.${body}` under the key.
 */

const PREFIX = 'whsec_';

/** A new secret: 32 random bytes. */
export function generateWebhookSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The key bytes of a secret; throws when it is not `whsec_` + base64 of at least 16 bytes. */
export function webhookKey(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new Error('a webhook secret starts with whsec_');
  const encoded = secret.slice(PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 16 || key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) {
    throw new Error('a webhook secret is whsec_ followed by base64 of at least 16 bytes');
  }
  return key;
}

/** The `v1,<base64>` signature of one message. */
export function signWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string | Buffer,
): string {
  const hmac = createHmac('sha256', webhookKey(secret));
  hmac.update(`${id}.${timestampSeconds}.`);
  hmac.update(body);
  return `v1,${hmac.digest('base64')}`;
}

/** A type alias, not an interface, so that it passes where a header record is expected. */
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** The three headers for a message sent at `now` (epoch ms). */
export function webhookHeaders(
  secret: string,
  id: string,
  body: string | Buffer,
  now = Date.now(),
): WebhookHeaders {
  const timestamp = Math.floor(now / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, id, timestamp, body),
  };
}

export type VerifyFailure = 'missing headers' | 'timestamp outside tolerance' | 'no matching signature';

/**
 * Checks a received message: the headers are present, the timestamp is within `toleranceSeconds`
 * of `now` (5 minutes by default, against replays), and one of the `v1` signatures matches, compared
 * in constant time. Header names are matched case-insensitively. Returns the failure, or undefined.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string | Buffer,
  options: { now?: number; toleranceSeconds?: number } = {},
): VerifyFailure | undefined {
  const header = (name: string): string | undefined => {
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
    }
    return undefined;
  };
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return 'missing headers';
  const now = options.now ?? Date.now();
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(Math.floor(now / 1000) - Number(timestamp)) > tolerance) return 'timestamp outside tolerance';
  const expected = Buffer.from(signWebhook(secret, id, Number(timestamp), body).slice(3), 'base64');
  for (const entry of signatures.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return undefined;
  }
  return 'no matching signature';
}
