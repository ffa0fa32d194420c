import { verifyWebhook } from '../../../src/delivery/standard-webhooks.js';
import { HttpReceiver } from './http-receiver.js';

/**
 * A stream's webhook destination: refuses (401) a request whose Standard Webhooks signature does
 * not verify or whose bearer token is wrong, and keeps each accepted NDJSON batch's lines.
 */
export class WebhookReceiver extends HttpReceiver {
  constructor(secret: string, options: { bearerToken?: string; now?: () => number } = {}) {
    super({
      check(request) {
        const failure = verifyWebhook(secret, request.headers, request.body, { now: options.now?.() });
        if (failure) return { status: 401, body: JSON.stringify({ error: failure }) };
        if (options.bearerToken && request.headers.authorization !== `Bearer ${options.bearerToken}`) {
          return { status: 401, body: '{"error":"bad bearer token"}' };
        }
        if (!request.headers['content-type']?.startsWith('application/x-ndjson')) {
          return { status: 415, body: '{"error":"want NDJSON"}' };
        }
        return undefined;
      },
    });
  }

  /** Every line of every accepted batch, in the order received. */
  get lines(): string[] {
    return this.accepted.flatMap((request) => ndjsonLines(request.body.toString('utf8')));
  }

  get messageIds(): string[] {
    return this.accepted.map((request) => String(request.headers['webhook-id']));
  }
}

export function ndjsonLines(body: string): string[] {
  if (!body.endsWith('\n')) throw new Error('an NDJSON body ends with a line break');
  return body.slice(0, -1).split('\n');
}
