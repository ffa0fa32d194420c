import { describe, expect, it } from 'vitest';
import {
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  webhookHeaders,
  webhookKey,
} from '../../src/delivery/standard-webhooks.js';

describe('Standard Webhooks signatures', () => {
  it("matches the specification's published example", () => {
    // The example in the Standard Webhooks specification and its reference libraries.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const body = '{"test": 2432232314}';
    expect(signWebhook(secret, id, 1614265330, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies what it signs, and nothing else', () => {
    const secret = generateWebhookSecret();
    const now = Date.parse('2026-11-01T10:00:00Z');
    const body = '{"a":1}\n{"b":"é"}\n';
    const headers = webhookHeaders(secret, 'msg_1', body, now);
    expect(headers['webhook-timestamp']).toBe(String(now / 1000));
    expect(verifyWebhook(secret, headers, body, { now })).toBeUndefined();
    expect(verifyWebhook(secret, headers, Buffer.from(body), { now: now + 299_000 })).toBeUndefined();
    expect(verifyWebhook(secret, headers, `${body} `, { now })).toBe('no matching signature');
    expect(verifyWebhook(generateWebhookSecret(), headers, body, { now })).toBe('no matching signature');
    expect(verifyWebhook(secret, { ...headers, 'webhook-id': 'msg_2' }, body, { now })).toBe(
      'no matching signature',
    );
    expect(verifyWebhook(secret, headers, body, { now: now + 301_000 })).toBe('timestamp outside tolerance');
    expect(verifyWebhook(secret, headers, body, { now: now - 301_000 })).toBe('timestamp outside tolerance');
    const { 'webhook-signature': _dropped, ...unsigned } = headers;
    expect(verifyWebhook(secret, unsigned, body, { now })).toBe('missing headers');
  });

  it('accepts any one of several signatures and reads header names in any case', () => {
    const secret = generateWebhookSecret();
    const now = Date.now();
    const headers = webhookHeaders(secret, 'msg_1', 'x', now);
    const rotated = {
      'Webhook-Id': headers['webhook-id'],
      'WEBHOOK-TIMESTAMP': headers['webhook-timestamp'],
      'webhook-signature': `v1,AAAA v2,whatever ${headers['webhook-signature']}`,
    };
    expect(verifyWebhook(secret, rotated, 'x', { now })).toBeUndefined();
  });

  it('refuses malformed secrets', () => {
    expect(() => webhookKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toThrow(/whsec_/);
    expect(() => webhookKey('whsec_c2hvcnQ=')).toThrow(/at least 16 bytes/);
    expect(() => webhookKey('whsec_not base64 at all!!!!!!!!!!')).toThrow();
    expect(webhookKey(generateWebhookSecret())).toHaveLength(32);
  });
});
