import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalAroundSeq } from '../src/domain/chain.js';
import { canonicalJson } from '../src/domain/jcs.js';

const samples: unknown[] = [
  null,
  true,
  0,
  -0,
  1e21,
  1.5e-7,
  123456789.125,
  'plain',
  'quote " backslash \\ control \u0001 line\u2028 emoji 😀',
  [],
  {},
  [1, 'a', { b: 2, a: [3, { z: 1, y: null }] }],
  { b: 1, a: 2, A: 3, é: 4, '\u20ac': 5, '\ud83d\ude00': 6, aa: { c: [], b: {} } },
  { nested: { deeper: { deepest: ['x', { q: 1, p: 2 }] } }, seq: 7 },
  // Array-index member names, which JavaScript objects always list first in numeric order.
  { '': 1, '1': 2 },
  { '9': 1, '10': 2, a: 3 },
  { '01': 1, '1': 2, '4294967294': 3, '4294967295': 4, '-1': 5, '1.5': 6 },
  { outer: [{ z: 0 }, { '2': 'b', '10': 'a' }], a: 1 },
];

describe('canonical JSON (RFC 8785)', () => {
  it('matches an independent implementation', () => {
    for (const value of samples) expect(canonicalJson(value)).toBe(canonicalize(value));
  });

  it('sorts members by UTF-16 code units, not by code points', () => {
    // U+FB01 sorts before U+1F600 by code point, but after its first surrogate, D83D.
    expect(canonicalJson({ '\ufb01': 1, '\ud83d\ude00': 2 })).toBe('{"\ud83d\ude00":2,"\ufb01":1}');
    expect(canonicalize({ '\ufb01': 1, '\ud83d\ude00': 2 })).toBe('{"\ud83d\ude00":2,"\ufb01":1}');
  });

  it('refuses values that are not JSON', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(TypeError);
  });

  it('splits an event body around seq so that head + seq + tail is the canonical text', () => {
    const body = { status: 'success', action: 'a.b', metadata: { seq: 0, x: [1] }, id: 'e', workspace: 'w' };
    const { head, tail } = canonicalAroundSeq(body);
    expect(head + 42 + tail).toBe(canonicalize({ ...body, seq: 42 }));
    const onlyBefore = canonicalAroundSeq({ action: 'a.b' });
    expect(`${onlyBefore.head}1${onlyBefore.tail}`).toBe('{"action":"a.b","seq":1}');
    const onlyAfter = canonicalAroundSeq({ status: 'x' });
    expect(`${onlyAfter.head}1${onlyAfter.tail}`).toBe('{"seq":1,"status":"x"}');
  });
});
