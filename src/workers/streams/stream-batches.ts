import { requestParts } from '../../delivery/batches.js';
import { lineBytes, type OutboundRecord, outboundRecord } from '../../delivery/record.js';
import type { SendResult, Transport } from '../../delivery/send-result.js';
import type { StoredEvent } from '../../domain/event.js';
import { eventKind } from '../../domain/event.js';
import type { StreamFormat } from '../../export/formats/stream-format.js';
import type { LoggedText } from '../../store/consumer-store.js';
import { eventFromRow } from '../../store/rows.js';
import type { StreamRecord } from '../../store/stream-store.js';

/** How far one delivery got. */
export interface BatchOutcome {
  /**
   * The last seq handled: every event up to it was delivered or passed over by the filter.
   * Those after it come again (after a failure, or a short batch waiting for more).
   */
  handled: number;
  /** Events delivered. */
  delivered: number;
  /** Why it stopped before the end, when a batch failed. */
  failure?: Exclude<SendResult, { outcome: 'delivered' }>;
}

/**
 * The rows' events that `matches` passes, written in the stream's format. Each event is parsed,
 * written and let go before the next is parsed: only the lines stay for the batch, not a batch of
 * parsed events that would outlive the young generation and be copied into the old one.
 */
export function outboundRecords(
  rows: readonly LoggedText[],
  matches: (event: StoredEvent) => boolean,
  format: StreamFormat,
): OutboundRecord[] {
  const records: OutboundRecord[] = [];
  for (const row of rows) {
    const event = eventFromRow(row);
    if (matches(event)) records.push(outboundRecord(event, format.formatRead(event, row), format.json));
  }
  return records;
}

/**
 * Sends the records (the events `matches` kept out of rows up to seq `lastGiven`) in batches by
 * count and bytes, in seq order, one after another, stopping at the first failure. The last
 * batch, when short, waits for more until its oldest event is `max_wait_ms` old (received_at
 * against `now`): it is not sent, and handled stops before it.
 */
export async function sendBatches(
  records: readonly OutboundRecord[],
  lastGiven: number,
  transport: Transport,
  batch: StreamRecord['batch'],
  now: number,
): Promise<BatchOutcome> {
  const limits = { maxRecords: batch.max_events, maxBytes: batch.max_bytes };
  const parts = [...requestParts(records, limits, lineBytes)];
  const last = parts[parts.length - 1];
  if (last) {
    const bytes = last.reduce((n, record) => n + lineBytes(record), 0);
    const full = last.length >= batch.max_events || bytes >= batch.max_bytes;
    if (!full && now - last[0]!.receivedAt < batch.max_wait_ms) parts.pop();
  }
  /** Handled up to the event before the first one not sent; everything when all were sent. */
  const handledBefore = (sent: number) => (sent < records.length ? records[sent]!.seq - 1 : lastGiven);
  let sent = 0;
  for (const part of parts) {
    const result = await transport.send(part);
    if (result.outcome !== 'delivered') {
      const delivered = sent + result.delivered;
      return { handled: handledBefore(delivered), delivered, failure: result };
    }
    sent += part.length;
  }
  return { handled: handledBefore(sent), delivered: sent };
}

/** A stream's filter as a predicate: action exact, `prefix*`, `*.suffix`; kinds. None: everything. */
export function streamFilter(filter: StreamRecord['filter']): (event: StoredEvent) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  for (const item of filter.actions) {
    if (item.startsWith('*')) suffixes.push(item.slice(1).replace(/\*$/, ''));
    else if (item.endsWith('*')) prefixes.push(item.slice(0, -1));
    else exact.add(item);
  }
  const kinds = new Set<string>(filter.kinds);
  const anyAction = filter.actions.length === 0;
  return (event) => {
    if (kinds.size > 0 && !kinds.has(eventKind(event))) return false;
    if (anyAction || exact.has(event.action)) return true;
    return prefixes.some((p) => event.action.startsWith(p)) || suffixes.some((s) => event.action.endsWith(s));
  };
}
