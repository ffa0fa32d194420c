import { requestParts } from '../../delivery/batches.js';
import { outboundRecord } from '../../delivery/record.js';
import type { SendResult, Transport } from '../../delivery/send-result.js';
import type { StoredEvent } from '../../domain/event.js';
import type { StreamFormat } from '../../export/formats/stream-format.js';
import type { StreamRecord } from '../../store/stream-store.js';

/** How far one delivery got. */
export interface BatchOutcome {
  /** Events sent, counted from the first given: the rest come again. */
  sent: number;
  /** Why it stopped before the end, when a batch failed (else the rest is a short batch waiting). */
  failure?: Exclude<SendResult, { outcome: 'delivered' }>;
}

/**
 * Writes `events` in the stream's format and sends them in batches by count and bytes, in seq
 * order, one after another, stopping at the first failure. The last batch, when short, waits for
 * more until its oldest event is `max_wait_ms` old (received_at against `now`): it is not sent
 * and not counted.
 */
export async function sendBatches(
  events: readonly StoredEvent[],
  format: StreamFormat,
  transport: Transport,
  batch: StreamRecord['batch'],
  now: number,
): Promise<BatchOutcome> {
  const records = events.map((event) => outboundRecord(event, format.format(event), format.json));
  const limits = { maxRecords: batch.max_events, maxBytes: batch.max_bytes };
  const parts = [...requestParts(records, limits, (record) => Buffer.byteLength(record.text) + 1)];
  const last = parts[parts.length - 1];
  if (last) {
    const bytes = last.reduce((n, record) => n + Buffer.byteLength(record.text) + 1, 0);
    const full = last.length >= batch.max_events || bytes >= batch.max_bytes;
    if (!full && now - last[0]!.receivedAt < batch.max_wait_ms) parts.pop();
  }
  let sent = 0;
  for (const part of parts) {
    const result = await transport.send(part);
    if (result.outcome !== 'delivered') return { sent: sent + result.delivered, failure: result };
    sent += part.length;
  }
  return { sent };
}
