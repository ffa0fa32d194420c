import { Fifo } from './fifo.js';

/** An event accepted by record(): serialised once, at record time, and never changed after. */
export interface QueuedEvent {
  /** Order of acceptance, for drop-oldest and for flush(). */
  n: number;
  id: string;
  /** The event's `org`, for deployment keys; undefined: the key's own org. */
  org: string | undefined;
  /** The event's JSON as UTF-8 (see encodeEvent). */
  data: Uint8Array;
  /** `data.length`. */
  bytes: number;
}

export interface Batch {
  org: string | undefined;
  events: QueuedEvent[];
}

/** `{"events":[` + `]}` */
const ENVELOPE_BYTES = 13;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const OPEN = encoder.encode('{"events":[');
const CLOSE = encoder.encode(']}');
const COMMA = 0x2c;

/** Events are encoded into shared blocks of this size: one allocation for many events. */
const BLOCK_BYTES = 16 * 1024;
let block = new Uint8Array(0);
let blockUsed = 0;

/**
 * An event's JSON as UTF-8, `bytes` long (its exact UTF-8 size). Held as bytes outside the
 * JavaScript heap rather than as a string: an event waits in the queue long enough to be copied
 * twice by the young generation's garbage collector, which cost more than encoding it here, and
 * a request's body is then the events' bytes put together instead of a string encoded again.
 * Small events share blocks; an event keeps at most one block (16 KiB) alive.
 */
export function encodeEvent(json: string, bytes: number): Uint8Array {
  if (bytes > BLOCK_BYTES / 4) return encoder.encode(json);
  if (blockUsed + bytes > block.length) {
    block = new Uint8Array(BLOCK_BYTES);
    blockUsed = 0;
  }
  const data = block.subarray(blockUsed, blockUsed + bytes);
  encoder.encodeInto(json, data);
  blockUsed += bytes;
  return data;
}

/** The event's JSON text, for error reports and the spool. */
export function eventJson(event: QueuedEvent): string {
  return decoder.decode(event.data);
}

/** The request body `{"events":[…]}` of these events. */
export function batchBody(events: readonly QueuedEvent[]): Uint8Array<ArrayBuffer> {
  const body = new Uint8Array(batchBytes(events));
  body.set(OPEN, 0);
  let at = OPEN.length;
  for (let i = 0; i < events.length; i++) {
    if (i > 0) body[at++] = COMMA;
    body.set(events[i]!.data, at);
    at += events[i]!.bytes;
  }
  body.set(CLOSE, at);
  return body;
}

/** The request body size of `events` as a batch. */
export function batchBytes(events: readonly QueuedEvent[]): number {
  let size = ENVELOPE_BYTES + Math.max(0, events.length - 1);
  for (const event of events) size += event.bytes;
  return size;
}

/** The request body size of one event of `bytes` as a batch. */
export function singleBatchBytes(bytes: number): number {
  return ENVELOPE_BYTES + bytes;
}

const nodeBuffer = (globalThis as { Buffer?: { byteLength(text: string, encoding: 'utf8'): number } }).Buffer;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range, control characters included
const ASCII = /^[\u0000-\u007f]*$/;

/**
 * Size of a string as UTF-8, without encoding it: Node's Buffer.byteLength where there is one
 * (found at run time, so the core imports nothing of Node), else a count over the UTF-16 units.
 */
export function utf8Length(text: string): number {
  if (nodeBuffer) return nodeBuffer.byteLength(text, 'utf8');
  if (ASCII.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair: 2 UTF-16 units, 4 bytes.
      bytes += 2;
      i += 1;
    } else bytes += 2;
  }
  return bytes;
}

class OrgQueue {
  readonly events = new Fifo<QueuedEvent>();
  bytes = 0;
}

/**
 * Events waiting to be sent, one FIFO per organization: a request carries the events of one
 * organization only, so a batch is cut from one of these.
 */
export class WaitingEvents {
  private readonly byOrg = new Map<string, OrgQueue>();
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(event: QueuedEvent): void {
    const key = event.org ?? '';
    let queue = this.byOrg.get(key);
    if (!queue) {
      queue = new OrgQueue();
      this.byOrg.set(key, queue);
    }
    queue.events.push(event);
    queue.bytes += event.bytes + 1;
    this.count += 1;
  }

  /**
   * The next batch to send: from an organization with a full batch waiting, or whose oldest event
   * is due (n ≤ dueUpTo). Organizations take turns, so a busy one does not starve the others.
   */
  take(limits: { events: number; bytes: number }, dueUpTo: number): Batch | undefined {
    for (const [key, queue] of this.byOrg) {
      const head = queue.events.peek();
      if (!head) continue;
      const full = queue.events.length >= limits.events || queue.bytes + ENVELOPE_BYTES >= limits.bytes;
      if (!full && head.n > dueUpTo) continue;
      const events: QueuedEvent[] = [];
      let size = ENVELOPE_BYTES - 1;
      for (
        let next = queue.events.peek();
        next && events.length < limits.events;
        next = queue.events.peek()
      ) {
        if (events.length > 0 && size + next.bytes + 1 > limits.bytes) break;
        queue.events.shift();
        queue.bytes -= next.bytes + 1;
        size += next.bytes + 1;
        events.push(next);
      }
      this.count -= events.length;
      // Take turns: this organization goes to the back of the line.
      this.byOrg.delete(key);
      if (queue.events.length > 0) this.byOrg.set(key, queue);
      return { org: head.org, events };
    }
    return undefined;
  }

  /** Removes and returns the oldest waiting event (drop-oldest). */
  shiftOldest(): QueuedEvent | undefined {
    let oldestKey: string | undefined;
    let oldestN = Number.POSITIVE_INFINITY;
    for (const [key, queue] of this.byOrg) {
      const head = queue.events.peek();
      if (head && head.n < oldestN) {
        oldestN = head.n;
        oldestKey = key;
      }
    }
    if (oldestKey === undefined) return undefined;
    const queue = this.byOrg.get(oldestKey)!;
    const event = queue.events.shift()!;
    queue.bytes -= event.bytes + 1;
    this.count -= 1;
    if (queue.events.length === 0) this.byOrg.delete(oldestKey);
    return event;
  }

  /** The smallest n still waiting, or Infinity. */
  oldestN(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const queue of this.byOrg.values()) {
      const head = queue.events.peek();
      if (head && head.n < min) min = head.n;
    }
    return min;
  }
}
