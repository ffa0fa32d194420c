import type { OutboundRecord } from './record.js';
import { after, delivered, type SendResult } from './send-result.js';

/**
 * Splits a batch into request-sized parts, in order: at most `maxRecords` each and at most
 * `maxBytes` of `sizeOf` each, except that a single record larger than `maxBytes` goes alone
 * (the destination decides whether to take it).
 */
export function* requestParts(
  records: Iterable<OutboundRecord>,
  limits: { maxRecords: number; maxBytes: number },
  sizeOf: (record: OutboundRecord) => number,
): Generator<OutboundRecord[]> {
  let part: OutboundRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = sizeOf(record);
    if (part.length > 0 && (part.length >= limits.maxRecords || bytes + size > limits.maxBytes)) {
      yield part;
      part = [];
      bytes = 0;
    }
    part.push(record);
    bytes += size;
  }
  if (part.length > 0) yield part;
}

/** Sends the parts one after another; stops at the first failure, counting what went before it. */
export async function sendInParts(
  parts: Iterable<OutboundRecord[]>,
  sendPart: (part: OutboundRecord[]) => Promise<SendResult>,
): Promise<SendResult> {
  let done = 0;
  for (const part of parts) {
    const result = await sendPart(part);
    if (result.outcome !== 'delivered') return after(done, result);
    done += part.length;
  }
  return delivered(done);
}
