import { Fifo } from './fifo.js';

/** An event accepted by record(): serialised once, at record time, and never changed after. */
export interface QueuedEvent {
  /** Order of acceptance, for drop-oldest and for flush(). */
  n: number;
  id: string;
  /** The event's `org`, for deployment keys; undefined: the key's own org. */
  org: string | undefined;
  json: string;
  /** UTF-8 size of `json`. */
  bytes: number;
}

export interface Batch {
  org: string | undefined;
  events: QueuedEvent[];
}

/** `{"events":[` + `]}` */
const ENVELOPE_BYTES = 13;

export function batchBody(events: readonly QueuedEvent[]): string {
  let body = '{"events":[';
  for (let i = 0; i < events.length; i++) body += (i === 0 ? '' : ',') + events[i]!.json;
  return `${body}]}`;
}

/** The request body size of `events` as a batch. */
export function batchBytes(events: readonly QueuedEvent[]): number {
  let size = ENVELOPE_BYTES + Math.max(0, events.length - 1);
  for (const event of events) size += event.bytes;
  return size;
}

export function singleBatchBytes(event: QueuedEvent): number {
  return ENVELOPE_BYTES + event.bytes;
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
