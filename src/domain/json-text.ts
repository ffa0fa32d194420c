import type { FieldIssue } from './errors.js';

/**
 * What JSON.parse would silently change in a request body: numbers a 64-bit float cannot hold
 * as written, strings that are not Unicode text, keys that name an object's prototype. An audit
 * log stores what it was sent or refuses it, so each is reported by the JSON Pointer of its
 * field. The checks read the text itself, where the parsed value no longer tells
 * ("1.00000000000000001" and "1" parse alike).
 */

const MAX_ISSUES = 20;

/** The largest integers every JSON reader agrees on (I-JSON, RFC 7493 §2.2). */
const SAFE_INTEGER_MESSAGE =
  'must be an integer between -9007199254740991 and 9007199254740991 (send larger ones as strings)';

interface Decimal {
  negative: boolean;
  /** Significant digits, no leading or trailing zeros; empty for zero. */
  digits: string;
  exponent: number;
}

function decimalOf(text: string): Decimal | undefined {
  const match = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/.exec(text);
  if (!match) return undefined;
  const fraction = match[3] ?? '';
  let digits = (match[2] ?? '') + fraction;
  let exponent = Number(match[4] ?? '0') - fraction.length;
  const lead = digits.search(/[1-9]/);
  if (lead === -1) return { negative: false, digits: '', exponent: 0 };
  digits = digits.slice(lead);
  const kept = digits.replace(/0+$/, '');
  exponent += digits.length - kept.length;
  return { negative: match[1] === '-', digits: kept, exponent };
}

/** Why the number written as `token` would not be stored as written, or undefined. */
export function numberTokenProblem(token: string): string | undefined {
  const value = Number(token);
  // An integer beyond 2^53 is refused however it is spelled when its canonical form (the stored
  // text) is an integer too: 1e16 would be stored as 10000000000000000, which is refused.
  const integerText = !/[.eE]/.test(token);
  const storedAsInteger = Number.isInteger(value) && !String(value).includes('e');
  if ((integerText || storedAsInteger) && !Number.isSafeInteger(value)) return SAFE_INTEGER_MESSAGE;
  if (integerText) return undefined;
  if (!Number.isFinite(value)) return 'must be a finite number';
  const sent = decimalOf(token);
  const kept = decimalOf(String(value));
  if (
    sent &&
    kept &&
    sent.digits === kept.digits &&
    sent.exponent === kept.exponent &&
    (sent.negative === kept.negative || sent.digits === '')
  ) {
    return undefined;
  }
  return `cannot be stored exactly as a 64-bit number (it would become ${String(value)}); send it as a string`;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The offset just past the string token starting at `start` (a quote). */
function stringEnd(text: string, start: number): number {
  let end = start;
  for (;;) {
    end = text.indexOf('"', end + 1);
    if (end === -1) return text.length;
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) return end + 1;
  }
}

function numberEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    if (!(isDigit(code) || code === 45 || code === 43 || code === 46 || code === 101 || code === 69)) break;
    end++;
  }
  return end;
}

/**
 * Offsets of the number tokens outside strings that may not survive parsing: 16 digits or more,
 * or an exponent. Any other number (at most 15 significant digits, below 10^16) round-trips.
 * Runs on every body, so strings are skipped with indexOf rather than read.
 */
export function suspectNumbers(text: string): number[] {
  const found: number[] = [];
  let at = 0;
  while (at < text.length) {
    const quote = text.indexOf('"', at);
    const end = quote === -1 ? text.length : quote;
    for (let i = at; i < end; i++) {
      const code = text.charCodeAt(i);
      if (!(isDigit(code) || code === 45)) continue;
      const start = i;
      let digits = 0;
      let exponent = false;
      for (; i < end; i++) {
        const c = text.charCodeAt(i);
        if (isDigit(c)) digits++;
        else if (c === 101 || c === 69) exponent = true;
        else if (c !== 46 && c !== 45 && c !== 43) break;
      }
      if (exponent || digits > 15) {
        found.push(start);
        if (found.length >= MAX_ISSUES) return found;
      }
    }
    if (quote === -1) break;
    at = stringEnd(text, quote);
  }
  return found;
}

function pointerToken(key: string | number): string {
  return typeof key === 'number' ? String(key) : key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function pointer(trail: Array<string | number>): string {
  return trail.map((token) => `/${pointerToken(token)}`).join('') || '/';
}

function decodedKey(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw.slice(1, -1);
  }
}

/**
 * The field at `offset` of a JSON text: the pointer of the value whose token holds it, or of
 * the object whose key holds it (`inKey`). Reads the text token by token; used only to name
 * a field already found wrong.
 */
export function pointerAt(text: string, offset: number): { pointer: string; inKey: boolean } {
  const trail: Array<string | number> = [];
  const inArray: boolean[] = [];
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 34) {
      const end = stringEnd(text, i);
      if (expectKey) {
        if (offset < end) return { pointer: pointer(trail.slice(0, -1)), inKey: true };
        trail[trail.length - 1] = decodedKey(text.slice(i, end));
        expectKey = false;
      } else if (offset < end) {
        return { pointer: pointer(trail), inKey: false };
      }
      i = end;
      continue;
    }
    if (isDigit(code) || code === 45) {
      const end = numberEnd(text, i);
      if (offset < end) return { pointer: pointer(trail), inKey: false };
      i = end;
      continue;
    }
    if (code === 123 || code === 91) {
      inArray.push(code === 91);
      trail.push(code === 91 ? 0 : '');
      expectKey = code === 123;
    } else if (code === 125 || code === 93) {
      inArray.pop();
      trail.pop();
    } else if (code === 44) {
      if (inArray[inArray.length - 1]) trail[trail.length - 1] = (trail[trail.length - 1] as number) + 1;
      else expectKey = true;
    }
    if (i >= offset) return { pointer: pointer(trail), inKey: false };
    i++;
  }
  return { pointer: pointer(trail), inKey: false };
}

/** Every number of `text` (valid JSON) that would not be stored as written, by field. */
export function numberIssues(text: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const start of suspectNumbers(text)) {
    const token = text.slice(start, numberEnd(text, start));
    const problem = numberTokenProblem(token);
    if (problem) issues.push({ path: pointerAt(text, start).pointer, message: problem });
  }
  return issues;
}

/**
 * Offset of the first byte of `bytes` that does not start a well-formed UTF-8 sequence (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or -1. Used only once a body is
 * known not to be UTF-8, to name the field.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [length, min] = [2, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [length, min] = [3, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [length, min] = [4, 0x10000];
    else return i;
    if (i + length > bytes.length) return i;
    let code = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k]!;
      if ((next & 0xc0) !== 0x80) return i;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += length;
  }
  return -1;
}

function walkParsed(value: unknown, trail: Array<string | number>, issues: FieldIssue[]): void {
  if (issues.length >= MAX_ISSUES) return;
  if (typeof value === 'string') {
    if (!value.isWellFormed())
      issues.push({ path: pointer(trail), message: 'must be valid Unicode text (no unpaired surrogates)' });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      trail.push(i);
      walkParsed(item, trail, issues);
      trail.pop();
    });
    return;
  }
  const constructorOf = trail[trail.length - 1] === 'constructor';
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || (key === 'prototype' && constructorOf)) {
      issues.push({ path: pointer([...trail, key]), message: 'is not accepted as a key' });
      continue;
    }
    if (!key.isWellFormed()) {
      issues.push({
        path: pointer(trail),
        message: 'keys must be valid Unicode text (no unpaired surrogates)',
      });
      continue;
    }
    trail.push(key);
    walkParsed((value as Record<string, unknown>)[key], trail, issues);
    trail.pop();
  }
}

/**
 * Strings with unpaired surrogates (only a `\u` escape can write one), `__proto__` keys and
 * `constructor.prototype`, which a later copy of the object by assignment would turn into
 * prototypes. The parsed value is walked only when the text holds an escape or "proto", so most
 * bodies cost two searches.
 */
export function parsedValueIssues(text: string, value: unknown): FieldIssue[] {
  if (!text.includes('\\u') && !text.includes('proto')) return [];
  const issues: FieldIssue[] = [];
  walkParsed(value, [], issues);
  return issues;
}
