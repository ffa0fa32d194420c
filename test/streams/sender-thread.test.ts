import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_BATCH } from '../../src/contracts/streams.js';
import { hashedBody } from '../../src/domain/chain.js';
import type { StoredEvent } from '../../src/domain/event.js';
import { canonicalJson } from '../../src/domain/jcs.js';
import { nativeJson } from '../../src/export/formats/native.js';
import type { LoggedText } from '../../src/store/consumer-store.js';
import { type SenderSettings, SenderThread } from '../../src/workers/streams/stream-senders.js';
import { WebhookReceiver } from '../helpers/receivers/webhook-receiver.js';
import { chainOf } from './sample-events.js';

const SECRET = `whsec_${Buffer.from('sender thread test secret!').toString('base64')}`;

/** `count` events received at `receivedAt`, every third a sign-in. */
function events(count: number, receivedAt = new Date().toISOString()): StoredEvent[] {
  return chainOf(
    Array.from({ length: count }, (_, i) => ({
      action: i % 3 === 2 ? 'user.login' : 'document.updated',
      occurred_at: '2026-11-01T10:00:00.000Z',
      actor: { type: 'user' as const, id: `usr_${i}` },
    })),
  ).map((event) => ({ ...event, received_at: receivedAt }));
}

/** The events as the store hands them to a stream: seq and stored text. */
function rows(given: readonly StoredEvent[]): LoggedText[] {
  return given.map((event) => ({
    seq: event.seq,
    body: canonicalJson(hashedBody(event)),
    prev_hash: event.prev_hash,
    hash: event.hash,
  }));
}

const EVERYTHING = { actions: [], kinds: [] };

function settings(
  receiver: WebhookReceiver,
  batch = DEFAULT_STREAM_BATCH,
  filter: SenderSettings['filter'] = EVERYTHING,
): SenderSettings {
  return {
    destination: { type: 'webhook', url: `${receiver.url}/in`, secret: SECRET },
    batch,
    format: 'native',
    filter,
    productVersion: '0.1.0',
  };
}

describe('the stream sender thread', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setUp() {
    const receiver = await new WebhookReceiver(SECRET).start();
    const thread = new SenderThread();
    cleanup.push(
      () => receiver.close(),
      () => thread.stop(),
    );
    return { receiver, thread };
  }

  it('formats and sends on its own thread, byte for byte what the main thread would write', async () => {
    const { receiver, thread } = await setUp();
    const sender = thread.open('str_1', settings(receiver, { ...DEFAULT_STREAM_BATCH, max_events: 4 }));
    const given = events(10, '2000-01-01T00:00:00.000Z');
    expect(await sender.send(rows(given), Date.now())).toEqual({ handled: 10, delivered: 10 });
    expect(receiver.accepted).toHaveLength(3);
    expect(receiver.lines).toEqual(given.map(nativeJson));
  });

  it('sends only what the filter passes, and counts the rest as handled', async () => {
    const { receiver, thread } = await setUp();
    const sender = thread.open(
      'str_1',
      settings(receiver, DEFAULT_STREAM_BATCH, { actions: ['user.*'], kinds: [] }),
    );
    const given = events(10, '2000-01-01T00:00:00.000Z');
    expect(await sender.send(rows(given), Date.now())).toEqual({ handled: 10, delivered: 3 });
    expect(receiver.lines).toEqual(given.filter((e) => e.action === 'user.login').map(nativeJson));
  });

  it('holds back a short last batch until its oldest event is max_wait_ms old', async () => {
    const { receiver, thread } = await setUp();
    const sender = thread.open('str_1', settings(receiver, { ...DEFAULT_STREAM_BATCH, max_events: 4 }));
    const now = Date.now();
    const given = events(6, new Date(now).toISOString());
    expect(await sender.send(rows(given), now)).toEqual({ handled: 4, delivered: 4 });
    expect(await sender.send(rows(given.slice(4)), now + DEFAULT_STREAM_BATCH.max_wait_ms)).toEqual({
      handled: 6,
      delivered: 2,
    });
    expect(receiver.lines).toHaveLength(6);
  });

  it('answers how far it got when a batch fails', async () => {
    const { receiver, thread } = await setUp();
    const sender = thread.open('str_1', settings(receiver, { ...DEFAULT_STREAM_BATCH, max_events: 4 }));
    receiver.failRequest(2, 503);
    const outcome = await sender.send(rows(events(10, '2000-01-01T00:00:00.000Z')), Date.now());
    expect(outcome).toMatchObject({ handled: 4, delivered: 4 });
    expect(outcome.failure).toMatchObject({ outcome: 'retryable', status: 503 });
  });

  it('fails the calls under way when the thread dies, and starts again with its streams open', async () => {
    const { receiver, thread } = await setUp();
    const sender = thread.open('str_1', settings(receiver));
    receiver.answerAfter(2000);
    const under = sender.send(rows(events(3, '2000-01-01T00:00:00.000Z')), Date.now());
    await new Promise((resolve) => setTimeout(resolve, 200));
    await (thread as unknown as { worker: Worker }).worker.terminate();
    await expect(under).rejects.toThrow(/exited/);
    receiver.answerAfter(0);
    expect(await sender.send(rows(events(3, '2000-01-01T00:00:00.000Z')), Date.now())).toEqual({
      handled: 3,
      delivered: 3,
    });
  });

  it('answers every send of a stream it could not open with the reason', async () => {
    const { receiver, thread } = await setUp();
    const sender = thread.open('str_1', {
      ...settings(receiver),
      destination: { type: 'carrier_pigeon' },
    });
    await expect(sender.send(rows(events(1)), Date.now())).rejects.toThrow(
      /could not be opened.*unknown destination type carrier_pigeon/,
    );
  });

  it('refuses to send for a stream it has closed', async () => {
    const { receiver, thread } = await setUp();
    const sender = thread.open('str_1', settings(receiver));
    await sender.send(rows(events(1, '2000-01-01T00:00:00.000Z')), Date.now());
    await sender.close();
    await expect(sender.send(rows(events(1)), Date.now())).rejects.toThrow(/not open/);
  });
});
