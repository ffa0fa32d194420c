import type { StoredEvent } from './event.js';
import { canonicalJson } from './jcs.js';
import { sha256HexOf } from './sha256.js';

/** The `prev_hash` of the first event of every org. */
export const GENESIS_HASH = '0'.repeat(64);

/** The event as hashed: everything stored except the two hash fields themselves. */
export function hashedBody(event: StoredEvent): Omit<StoredEvent, 'hash' | 'prev_hash'> {
  const { hash: _hash, prev_hash: _prev, ...body } = event;
  return body;
}

/**
 * SPEC §3: hash = sha256(prev_hash + "\n" + JCS(event without hash fields)), hex. Takes the
 * canonical text so that callers which store it serialise the event once.
 */
export function chainHash(prevHash: string, canonicalBody: string): string {
  return sha256HexOf(`${prevHash}\n${canonicalBody}`);
}

export function eventHash(event: StoredEvent): string {
  return chainHash(event.prev_hash, canonicalJson(hashedBody(event)));
}

export function sha256Hex(text: string): string {
  return sha256HexOf(text);
}

/**
 * The canonical text of an event body around its `seq`, which only the store knows: the text is
 * `head + seq + tail`. Lets the expensive canonicalisation happen before the event reaches the
 * single writer, which then only concatenates and hashes. The members before and after `seq`
 * are serialised separately, so nothing nested can be mistaken for the top-level `seq`.
 */
export function canonicalAroundSeq(body: Record<string, unknown>): { head: string; tail: string } {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const key of Object.keys(body).sort()) {
    if (key === 'seq' || body[key] === undefined) continue;
    (key < 'seq' ? before : after)[key] = body[key];
  }
  const head = canonicalJson(before);
  const tail = canonicalJson(after);
  return {
    head: `${head.length > 2 ? `${head.slice(0, -1)},` : '{'}"seq":`,
    tail: tail.length > 2 ? `,${tail.slice(1)}` : '}',
  };
}
