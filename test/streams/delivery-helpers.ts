import { type OutboundRecord, outboundRecord } from '../../src/delivery/record.js';
import { retryDelayMs } from '../../src/delivery/retry-policy.js';
import type { SendResult, Transport } from '../../src/delivery/send-result.js';
import { type StreamFormatName, streamFormat } from '../../src/export/formats/stream-format.js';
import { chainOf } from './sample-events.js';

/** `count` records of one org in seq order, formatted as `format`. */
export function records(count: number, format: StreamFormatName = 'native', org = 'org_a'): OutboundRecord[] {
  const fmt = streamFormat(format, { productVersion: '0.1.0' });
  const start = Date.parse('2026-11-01T10:00:00.000Z');
  const events = chainOf(
    Array.from({ length: count }, (_, i) => ({
      action: i % 7 === 0 ? 'user.login' : 'document.updated',
      occurred_at: new Date(start + i * 1000).toISOString(),
      actor: { type: 'user' as const, id: `usr_${i % 5}`, name: `User ${i % 5}` },
      resource: { type: 'document', id: `doc_${i}`, name: `Doc | ${i} = "x" ] \\` },
      status: i % 11 === 0 ? ('failure' as const) : ('success' as const),
      context: { ip: '203.0.113.9' },
    })),
    org,
  );
  return events.map((event) => outboundRecord(event, fmt.format(event), fmt.json));
}

/**
 * What the stream worker will do, in small: send, and on a retryable failure resend from the
 * first unacknowledged record after a short backoff, until everything is delivered or a
 * permanent failure. Returns every result seen.
 */
export async function deliverWithRetries(
  transport: Transport,
  batch: readonly OutboundRecord[],
  maxAttempts = 20,
): Promise<SendResult[]> {
  const results: SendResult[] = [];
  let rest = batch;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const result = await transport.send(rest);
    results.push(result);
    if (result.outcome !== 'retryable') return results;
    rest = rest.slice(result.delivered);
    const policy = { baseDelayMs: 5, maxDelayMs: 50, maxRetryAfterMs: 1_500, giveUpAfterMs: 60_000 };
    await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt, result.retryAfterMs, policy)));
  }
  throw new Error(`still failing after ${maxAttempts} attempts: ${JSON.stringify(results.at(-1))}`);
}

/**
 * The ids received, checked against the batch: every record arrived, in order, and a record seen
 * again only repeats what was sent since the previous retry (it restarts an earlier stretch).
 */
export function expectEveryRecordInOrder(receivedIds: string[], batch: readonly OutboundRecord[]): void {
  const want = batch.map((record) => record.id);
  const position = new Map(want.map((id, i) => [id, i]));
  let next = 0;
  for (const id of receivedIds) {
    const at = position.get(id);
    if (at === undefined) throw new Error(`received ${id}, which was never sent`);
    if (at > next)
      throw new Error(`received ${id} before ${want[next]}: a record is missing or out of order`);
    if (at === next) next += 1;
  }
  if (next !== want.length) throw new Error(`only ${next} of ${want.length} records arrived`);
}
