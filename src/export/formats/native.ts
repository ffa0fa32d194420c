import { bodyTextOf } from '../../domain/body-text.js';
import { hashedBody } from '../../domain/chain.js';
import type { StoredEvent } from '../../domain/event.js';
import { canonicalJson } from '../../domain/jcs.js';

/**
 * The stored event as one line of JSON, byte for byte the text the stores hand out
 * (`eventJsonFromRow`): the canonical body (RFC 8785, `seq` included) with `prev_hash` and `hash`
 * appended. A SIEM copy therefore stays verifiable: drop the two hash members, canonicalise what
 * is left, and sha256(prev_hash + "\n" + that) is `hash`; consecutive lines link by `prev_hash`.
 */
export function nativeJson(event: StoredEvent): string {
  const body = bodyTextOf(event) ?? canonicalJson(hashedBody(event));
  return `${body.slice(0, -1)},"prev_hash":"${event.prev_hash}","hash":"${event.hash}"}`;
}
