/**
 * RFC 8785 JSON Canonicalization Scheme for the values an event can hold (JSON data only).
 *
 * ECMAScript's JSON.stringify already serialises strings and finite numbers exactly as RFC 8785
 * requires (the RFC defines its number and string rules by reference to it). What is left is
 * ordering object members by the UTF-16 code units of their names, which is the default sort
 * order. So canonical text is JSON.stringify of a copy whose objects list their members in that
 * order; only objects that are not already in order are copied. This runs once per ingested
 * event, and the native serialiser is several times faster than building the text in script.
 */
export function canonicalJson(value: unknown): string {
  const ordered = inCanonicalOrder(value);
  if (ordered === INDEX_KEYS) return canonicalText(value);
  return JSON.stringify(ordered) ?? 'null';
}

/**
 * Returned by inCanonicalOrder for a value holding an object with an array-index member name
 * ("0", "10"): JavaScript objects list those first, in numeric order, whatever the insertion
 * order, so no object can hold them in code-unit order (RFC 8785 puts "" before "1" and "10"
 * before "9"). Such values are written out member by member instead; they are rare.
 */
const INDEX_KEYS: unique symbol = Symbol('array-index member names');

function isIndexKey(key: string): boolean {
  const first = key.charCodeAt(0);
  if (first < 48 || first > 57) return false;
  return /^(0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295;
}

/** The canonical text written member by member: slower, for values JSON.stringify would reorder. */
function canonicalText(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError('JCS: non-finite numbers are not JSON');
    }
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalText(item))).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort(byCodeUnits)) {
    if (record[key] !== undefined) members.push(`${JSON.stringify(key)}:${canonicalText(record[key])}`);
  }
  return `{${members.join(',')}}`;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The value with every object's members in canonical order; shares what is already in order.
 * INDEX_KEYS when an object in it has array-index member names (no object can hold those in order).
 */
export function inCanonicalOrder(value: unknown): unknown {
  if (value === null) return value;
  switch (typeof value) {
    case 'object':
      break;
    case 'string':
    case 'boolean':
    case 'undefined':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('JCS: non-finite numbers are not JSON');
      return value;
    default:
      throw new TypeError(`JCS: ${typeof value} is not JSON`);
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = inCanonicalOrder(value[i]);
      if (item === INDEX_KEYS) return INDEX_KEYS;
      if (item !== value[i]) {
        copy ??= value.slice();
        copy[i] = item;
      }
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let changed = false;
  for (const key of keys) if (isIndexKey(key)) return INDEX_KEYS;
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      changed = true;
      keys.sort(byCodeUnits);
      break;
    }
  }
  const items = new Array<unknown>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const item = record[keys[i]!];
    items[i] = inCanonicalOrder(item);
    if (items[i] === INDEX_KEYS) return INDEX_KEYS;
    if (items[i] !== item) changed = true;
  }
  if (!changed) return value;
  const copy: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) copy[keys[i]!] = items[i];
  return copy;
}
