import { afterEach, describe, expect, it } from 'vitest';
import { createDatadogTransport, datadogIntakeUrl } from '../../src/delivery/datadog.js';
import { createSplunkHecTransport, epochSeconds, hecEnvelope } from '../../src/delivery/splunk-hec.js';
import { generateWebhookSecret, verifyWebhook } from '../../src/delivery/standard-webhooks.js';
import { batchMessageId, createWebhookTransport, sendSignedWebhook } from '../../src/delivery/webhook.js';
import { HecReceiver } from '../helpers/receivers/hec-receiver.js';
import { HttpReceiver } from '../helpers/receivers/http-receiver.js';
import { WebhookReceiver } from '../helpers/receivers/webhook-receiver.js';
import { deliverWithRetries, expectEveryRecordInOrder, records } from './delivery-helpers.js';

const receivers: HttpReceiver[] = [];
async function started<R extends HttpReceiver>(receiver: R): Promise<R> {
  receivers.push(receiver);
  return receiver.start();
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('webhook transport', () => {
  it('delivers every record in order as signed NDJSON, split into requests by size', async () => {
    const secret = generateWebhookSecret();
    const receiver = await started(new WebhookReceiver(secret, { bearerToken: 'tok' }));
    const batch = records(120, 'native');
    const transport = createWebhookTransport({
      url: `${receiver.url}/hook`,
      secret,
      bearerToken: 'tok',
      maxRequestBytes: 16 * 1024,
    });
    expect(await transport.send(batch)).toEqual({ outcome: 'delivered', delivered: 120 });
    expect(receiver.accepted.length).toBeGreaterThan(3);
    expect(receiver.lines).toEqual(batch.map((r) => r.text));
    expect(new Set(receiver.messageIds).size).toBe(receiver.accepted.length);
    for (const request of receiver.accepted) expect(request.body.length).toBeLessThanOrEqual(16 * 1024);
  });

  it('a wrong secret or token is refused by the receiver and is a permanent failure', async () => {
    const receiver = await started(new WebhookReceiver(generateWebhookSecret(), { bearerToken: 'tok' }));
    const wrongSecret = createWebhookTransport({
      url: receiver.url,
      secret: generateWebhookSecret(),
      bearerToken: 'tok',
    });
    const result = await wrongSecret.send(records(3));
    expect(result).toMatchObject({ outcome: 'permanent', delivered: 0, status: 401 });
    expect(receiver.accepted).toHaveLength(0);
  });

  it('carries CEF lines as NDJSON lines too', async () => {
    const secret = generateWebhookSecret();
    const receiver = await started(new WebhookReceiver(secret));
    const batch = records(20, 'cef');
    expect(await createWebhookTransport({ url: receiver.url, secret }).send(batch)).toMatchObject({
      outcome: 'delivered',
    });
    expect(receiver.lines).toEqual(batch.map((r) => r.text));
  });

  it('gives the same message id to the same records sent again', () => {
    const batch = records(10);
    expect(batchMessageId(batch)).toBe(batchMessageId(records(10)));
    expect(batchMessageId(batch)).not.toBe(batchMessageId(batch.slice(1)));
    expect(batchMessageId(batch)).toMatch(/^msg_[A-Za-z0-9_-]{24}$/);
  });

  it('signs one JSON message for an alert channel', async () => {
    const secret = generateWebhookSecret();
    const receiver = await started(
      new HttpReceiver({
        check: (request) =>
          request.headers['content-type'] === 'application/json' &&
          request.headers['webhook-id'] === 'alert_1'
            ? undefined
            : { status: 400, body: '{}' },
      }),
    );
    const body = JSON.stringify({ type: 'alert.triggered', data: { rule: 'failed logins' } });
    expect(await sendSignedWebhook({ url: receiver.url, secret }, 'alert_1', body)).toEqual({
      outcome: 'delivered',
      delivered: 1,
    });
    const [request] = receiver.accepted;
    expect(verifyWebhook(secret, request!.headers, request!.body)).toBeUndefined();
    expect(request!.body.toString()).toBe(body);
  });
});

describe('Splunk HEC transport', () => {
  it('delivers every record as an envelope with the token, time, host, source, sourcetype and index', async () => {
    const receiver = await started(new HecReceiver('hec-token'));
    const batch = records(50, 'ocsf');
    const transport = createSplunkHecTransport({
      url: `${receiver.url}/`,
      token: 'hec-token',
      host: 'trailmark-1',
      source: 'trailmark',
      sourcetype: 'ocsf',
      index: 'audit',
      maxRecordsPerRequest: 20,
    });
    expect(await transport.send(batch)).toEqual({ outcome: 'delivered', delivered: 50 });
    expect(receiver.accepted).toHaveLength(3);
    const envelopes = receiver.envelopes;
    expect(envelopes.map((e) => e.event)).toEqual(batch.map((r) => JSON.parse(r.text)));
    expect(envelopes.map((e) => e.time)).toEqual(batch.map((r) => r.occurredAt / 1000));
    expect(envelopes[0]).toMatchObject({
      host: 'trailmark-1',
      source: 'trailmark',
      sourcetype: 'ocsf',
      index: 'audit',
    });
  });

  it('sends a CEF line as a string event, and writes time exactly', async () => {
    const [record] = records(1, 'cef');
    const envelope = JSON.parse(hecEnvelope(record!, {})) as { event: unknown; time: number };
    expect(envelope.event).toBe(record!.text);
    expect(epochSeconds(1762000000123)).toBe('1762000000.123');
    expect(epochSeconds(1762000000007)).toBe('1762000000.007');
    expect(epochSeconds(1762000000000)).toBe('1762000000.000');
  });

  it('a wrong token is permanent', async () => {
    const receiver = await started(new HecReceiver('right'));
    const result = await createSplunkHecTransport({ url: receiver.url, token: 'wrong' }).send(records(2));
    expect(result).toMatchObject({ outcome: 'permanent', status: 403 });
    expect(result.outcome === 'permanent' && result.reason).toContain('Invalid token');
  });
});

describe('Datadog transport', () => {
  it('delivers a JSON array of entries with the API key, source, service, hostname and tags', async () => {
    const receiver = await started(
      new HttpReceiver({
        check: (request) =>
          request.path === '/api/v2/logs' && request.headers['dd-api-key'] === 'dd-key'
            ? undefined
            : { status: 403, body: '{"errors":["Forbidden"]}' },
        accept: { status: 202, body: '{}' },
      }),
    );
    const batch = records(30, 'cef');
    const transport = createDatadogTransport({
      apiKey: 'dd-key',
      baseUrl: receiver.url,
      service: 'audit',
      hostname: 'trailmark-1',
      tags: ['env:test', 'team:security'],
      maxRecordsPerRequest: 25,
    });
    expect(await transport.send(batch)).toEqual({ outcome: 'delivered', delivered: 30 });
    const entries = receiver.accepted.flatMap(
      (r) => JSON.parse(r.body.toString()) as Record<string, string>[],
    );
    expect(entries.map((e) => e.message)).toEqual(batch.map((r) => r.text));
    expect(entries[0]).toEqual({
      ddsource: 'trailmark',
      service: 'audit',
      hostname: 'trailmark-1',
      ddtags: 'env:test,team:security',
      message: batch[0]!.text,
    });
    const wrongKey = await createDatadogTransport({ apiKey: 'x', baseUrl: receiver.url }).send(batch);
    expect(wrongKey).toMatchObject({ outcome: 'permanent', status: 403 });
  });

  it('names the intake of each site', () => {
    expect(datadogIntakeUrl('datadoghq.com')).toBe('https://http-intake.logs.datadoghq.com/api/v2/logs');
    expect(datadogIntakeUrl('datadoghq.eu')).toBe('https://http-intake.logs.datadoghq.eu/api/v2/logs');
    expect(datadogIntakeUrl('us3.datadoghq.com')).toBe(
      'https://http-intake.logs.us3.datadoghq.com/api/v2/logs',
    );
    expect(datadogIntakeUrl('us5.datadoghq.com')).toBe(
      'https://http-intake.logs.us5.datadoghq.com/api/v2/logs',
    );
    expect(datadogIntakeUrl('ap1.datadoghq.com')).toBe(
      'https://http-intake.logs.ap1.datadoghq.com/api/v2/logs',
    );
    expect(datadogIntakeUrl('ddog-gov.com')).toBe('https://http-intake.logs.ddog-gov.com/api/v2/logs');
  });
});

describe('HTTP delivery faults', () => {
  const secret = generateWebhookSecret();

  it('500s are retryable and the retry delivers everything', async () => {
    const receiver = await started(new WebhookReceiver(secret));
    receiver.failNext(3, 500);
    const batch = records(40);
    const transport = createWebhookTransport({ url: receiver.url, secret });
    expect(await transport.send(batch)).toMatchObject({ outcome: 'retryable', status: 500, delivered: 0 });
    const results = await deliverWithRetries(transport, batch);
    expect(results.map((r) => r.outcome)).toEqual(['retryable', 'retryable', 'delivered']);
    expectEveryRecordInOrder(
      receiver.lines.map((line) => (JSON.parse(line) as { id: string }).id),
      batch,
    );
  });

  it('429 carries its Retry-After; other 4xx are permanent; a redirect is not followed', async () => {
    const receiver = await started(new HecReceiver('t'));
    const transport = createSplunkHecTransport({ url: receiver.url, token: 't' });
    receiver.failNext(1, 429, { 'retry-after': '7' });
    expect(await transport.send(records(1))).toMatchObject({
      outcome: 'retryable',
      status: 429,
      retryAfterMs: 7000,
    });
    receiver.failNext(1, 503, { 'retry-after': 'Sun, 01 Nov 2099 10:00:00 GMT' });
    const busy = await transport.send(records(1));
    expect(busy).toMatchObject({ outcome: 'retryable', status: 503 });
    expect(busy.outcome === 'retryable' && busy.retryAfterMs).toBeGreaterThan(1e9);
    receiver.failNext(1, 408);
    expect(await transport.send(records(1))).toMatchObject({ outcome: 'retryable', status: 408 });
    for (const status of [400, 404, 410, 413]) {
      receiver.failNext(1, status);
      expect(await transport.send(records(1))).toMatchObject({ outcome: 'permanent', status });
    }
    receiver.failNext(1, 308, { location: 'https://elsewhere.example/' });
    const moved = await transport.send(records(1));
    expect(moved).toMatchObject({ outcome: 'permanent', status: 308 });
    expect(moved.outcome === 'permanent' && moved.reason).toContain('elsewhere.example');
  });

  it('a slow answer times out as retryable', async () => {
    const receiver = await started(new WebhookReceiver(secret));
    receiver.answerAfter(1_000);
    const transport = createWebhookTransport({ url: receiver.url, secret, timeoutMs: 150 });
    const result = await transport.send(records(5));
    expect(result).toMatchObject({ outcome: 'retryable', delivered: 0 });
    expect(result.outcome === 'retryable' && result.reason).toContain('no answer within 150 ms');
    receiver.answerAfter(0);
  });

  it('a connection dropped mid-batch is retryable, and counts the requests already acknowledged', async () => {
    const receiver = await started(new WebhookReceiver(secret));
    const batch = records(60);
    const transport = createWebhookTransport({ url: receiver.url, secret, maxRecordsPerRequest: 20 });
    const first = await transport.send(batch.slice(0, 20));
    expect(first).toEqual({ outcome: 'delivered', delivered: 20 });
    receiver.dropNext(1);
    const second = await transport.send(batch.slice(20));
    expect(second).toMatchObject({ outcome: 'retryable', delivered: 0 });
    await deliverWithRetries(transport, batch.slice(20));
    expectEveryRecordInOrder(
      receiver.lines.map((line) => (JSON.parse(line) as { id: string }).id),
      batch,
    );
  });

  it('a part failing after others succeeded reports how many were delivered', async () => {
    const receiver = await started(new HecReceiver('t'));
    const batch = records(30);
    const transport = createSplunkHecTransport({ url: receiver.url, token: 't', maxRecordsPerRequest: 10 });
    receiver.failRequest(3, 502);
    const result = await transport.send(batch);
    expect(result).toMatchObject({ outcome: 'retryable', status: 502, delivered: 20 });
    expect(receiver.envelopes).toHaveLength(20);
    expect(await transport.send(batch.slice(20))).toEqual({ outcome: 'delivered', delivered: 10 });
    expect(receiver.envelopes.map((e) => (e.event as { id: string }).id)).toEqual(batch.map((r) => r.id));
  });

  it('a destination that is down is retryable, and delivery resumes when it is back', async () => {
    const receiver = await started(new WebhookReceiver(secret));
    const transport = createWebhookTransport({ url: receiver.url, secret, timeoutMs: 2_000 });
    await receiver.down();
    const batch = records(10);
    const result = await transport.send(batch);
    expect(result).toMatchObject({ outcome: 'retryable', delivered: 0 });
    expect(result.outcome === 'retryable' && result.reason).toMatch(/ECONNREFUSED|fetch failed/);
    await receiver.up();
    expect(await transport.send(batch)).toEqual({ outcome: 'delivered', delivered: 10 });
    expect(receiver.lines).toEqual(batch.map((r) => r.text));
  });
});
