import { createHash } from 'node:crypto';
import type { StoredEvent } from './event.js';
import { canonicalJson } from './jcs.js';

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
  return createHash('sha256').update(prevHash).update('\n').update(canonicalBody).digest('hex');
}

export function eventHash(event: StoredEvent): string {
  return chainHash(event.prev_hash, canonicalJson(hashedBody(event)));
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
