import { expect } from 'vitest';
import type { Stream } from '../../src/contracts/streams.js';
import type { TestServer } from '../helpers/test-server.js';
import { ev, headSeq, ingest, type TestOrg } from '../http/support.js';

/** What the stream delivery suites share: creating streams through the API, ingesting, checking order. */

export async function createStream(
  t: TestServer,
  org: TestOrg,
  body: Record<string, unknown>,
): Promise<Stream & { generated_secret?: string }> {
  const res = await t.request('/v1/streams', {
    method: 'POST',
    key: org.adminKey,
    json: { batch: { max_wait_ms: 0, max_events: 50 }, ...body },
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`create stream: ${res.status} ${text}`);
  return JSON.parse(text) as Stream & { generated_secret?: string };
}

export async function getStream(t: TestServer, org: TestOrg, id: string): Promise<Stream> {
  const res = await t.request(`/v1/streams/${id}`, { key: org.adminKey });
  expect(res.status).toBe(200);
  return (await res.json()) as Stream;
}

/** Ingests `count` events in requests of `per`, each action numbered. */
export async function ingestMany(t: TestServer, org: TestOrg, count: number, per = 25): Promise<void> {
  for (let start = 0; start < count; start += per) {
    const n = Math.min(per, count - start);
    await ingest(
      t,
      org.writeKey,
      Array.from({ length: n }, (_, i) =>
        ev({ action: `thing.n${start + i}`, description: `event ${start + i}` }),
      ),
    );
  }
}

/**
 * Checks that `delivered` (seq and id of each event as received, duplicates included) holds
 * every seq from `from` to the org's head once it is deduplicated by id, in seq order, and that a
 * duplicate always carries the id it had the first time.
 */
export async function expectEveryEventInOrder(
  t: TestServer,
  org: TestOrg,
  delivered: { seq: number; id: string }[],
  from: number,
): Promise<void> {
  const head = await headSeq(t, org.readKey);
  const firstById = new Map<string, number>();
  const bySeq = new Map<number, string>();
  const order: number[] = [];
  for (const { seq, id } of delivered) {
    if (bySeq.has(seq)) {
      expect(bySeq.get(seq)).toBe(id);
      continue;
    }
    expect(firstById.has(id)).toBe(false);
    firstById.set(id, seq);
    bySeq.set(seq, id);
    order.push(seq);
  }
  expect(order).toEqual(Array.from({ length: head - from + 1 }, (_, i) => from + i));
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
