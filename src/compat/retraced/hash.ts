import { sha256Hex } from '../../domain/chain.js';

/**
 * Retraced's canonical event hash (COMPAT-WIRE.md 2.4), which the official client recomputes
 * from its own copy of the event and the id the server answered: the two must agree byte for
 * byte. Only what a JSON body can hold is handled (strings, numbers, booleans, null, objects).
 */

/** `%` then `:` escaped, in strings only; anything else as JavaScript's String() writes it. */
function p1(value: unknown): string {
  return typeof value === 'string' ? value.replaceAll('%', '%25').replaceAll(':', '%3A') : String(value);
}

function p2(text: string): string {
  return text.replaceAll('=', '%3D').replaceAll(';', '%3B');
}

/** lodash's isEmpty for JSON values: numbers and booleans count as empty. */
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string' || Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return true;
}

function idPart(holder: unknown): string {
  return isEmpty(holder) ? ':' : `${p1((holder as { id?: unknown }).id)}:`;
}

/** `k=v;` per key, keys in JavaScript's default sort order (UTF-16 code units, before escaping). */
function pairs(map: Record<string, unknown>): string {
  return Object.keys(map)
    .sort()
    .map((key) => `${p2(p1(key))}=${p2(p1(map[key]))};`)
    .join('');
}

export interface HashableEvent {
  action?: unknown;
  target?: unknown;
  actor?: unknown;
  group?: unknown;
  source_ip?: unknown;
  is_failure?: unknown;
  is_anonymous?: unknown;
  fields?: unknown;
  external_id?: unknown;
  metadata?: unknown;
}

export function retracedCanonical(id: string, event: HashableEvent): string {
  let text = `${p1(id)}:${p1(event.action)}:`;
  text += idPart(event.target) + idPart(event.actor) + idPart(event.group);
  text += typeof event.source_ip === 'string' && event.source_ip !== '' ? `${p1(event.source_ip)}:` : ':';
  text += event.is_failure ? '1:' : '0:';
  text += event.is_anonymous ? '1:' : '0:';
  text += event.fields ? pairs(event.fields as Record<string, unknown>) : ':';
  if (event.external_id) text += `:${p1(event.external_id)}`;
  if (event.metadata) text += `:${pairs(event.metadata as Record<string, unknown>)}`;
  return text;
}

export function retracedHash(id: string, event: HashableEvent): string {
  return sha256Hex(retracedCanonical(id, event));
}
