import type { StoredEvent } from '../domain/event.js';

/**
 * One event, already written in its stream's format, with what the transports need beside the
 * text: the id (receivers drop duplicates after a retry by it), the seq (order, object names),
 * the times (Splunk's `time`, syslog's TIMESTAMP, S3's time window) and the outcome (severity).
 */
export interface OutboundRecord {
  id: string;
  org: string;
  seq: number;
  action: string;
  status: 'success' | 'failure';
  /** occurred_at, epoch milliseconds. */
  occurredAt: number;
  /** received_at, epoch milliseconds: increases with seq, so time windows follow the log. */
  receivedAt: number;
  /** The formatted event: one line without its line break. */
  text: string;
  /** True when `text` is a JSON object (native, OCSF); false for CEF. */
  json: boolean;
}

/**
 * The bytes `record` takes as one line of NDJSON, its line break included. Counted once: batches
 * are cut by bytes more than once on their way out, and counting means reading the whole text.
 */
export function lineBytes(record: OutboundRecord): number {
  let bytes = textBytes.get(record);
  if (bytes === undefined) {
    bytes = Buffer.byteLength(record.text);
    textBytes.set(record, bytes);
  }
  return bytes + 1;
}

/** Kept beside the record, not in it: a copy with other text must be counted again. */
const textBytes = new WeakMap<OutboundRecord, number>();

/**
 * The records as NDJSON, one line each, encoded straight into one buffer of the size lineBytes
 * counted. Joining the lines into one string first cost a copy of the whole request as text (a
 * large allocation per request) before the encoding: measured on the sender thread's work for OCSF
 * events, 42 µs an event with the join, 28 without.
 */
export function ndjsonBytes(records: readonly OutboundRecord[]): Buffer {
  let size = 0;
  for (const record of records) size += lineBytes(record);
  const body = Buffer.allocUnsafe(size);
  let at = 0;
  for (const record of records) {
    at += body.write(record.text, at);
    body[at++] = 0x0a;
  }
  return body;
}

export function outboundRecord(event: StoredEvent, text: string, json: boolean): OutboundRecord {
  return {
    id: event.id,
    org: event.org,
    seq: event.seq,
    action: event.action,
    status: event.status,
    occurredAt: Date.parse(event.occurred_at),
    receivedAt: Date.parse(event.received_at),
    text,
    json,
  };
}
