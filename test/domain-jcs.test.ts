import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalAroundSeq } from '../src/domain/chain.js';
import { canonicalJson } from '../src/domain/jcs.js';
import { type Enricher, prepareEvent } from '../src/domain/prepare-event.js';
import { parseIngestBody } from '../src/domain/validate.js';
import { chainBody, toAppendRow } from '../src/store/event-row.js';

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

  it('gives prepared events, whose parts are put in order once, the same text as a plain canonicalisation', () => {
    // An enricher whose answers are out of order, as another implementation might give them.
    const enricher: Enricher = {
      client: () => ({ os: 'Linux', device: 'desktop', browser: 'Firefox 133' }),
      location: () => ({ region: 'Île-de-France', country: 'FR', city: 'Paris' }),
    };
    const inputs = parseIngestBody({
      events: [
        {
          action: 'document.viewed',
          actor: { type: 'user', name: 'Zoë', id: 'u_1', email: 'z@example.com' },
          workspace: 'ws',
          resource: { type: 'document', name: 'Plan', id: 'd_1' },
          context: { user_agent: 'Mozilla/5.0', ip: '203.0.113.9', auth_type: 'session' },
          metadata: { z: 1, a: [{ y: 2, b: 1 }], é: { '\ud83d\ude00': 1, '\ufb01': 2 }, seq: 3 },
          request: {
            status_code: 200,
            path: '/x',
            method: 'POST',
            query: { q: 'x', a: 'y' },
            params: { id: '1' },
            headers: { 'x-b': '1', 'x-a': '2', authorization: 'secret' },
            body: { password: 'p', name: 'n', list: [{ d: 1, c: 2 }] },
          },
          description: 'out of order everywhere',
          id: 'client_1',
        },
        // Array-index member names cannot be held in order by any object: these parts are walked.
        {
          action: 'document.viewed',
          actor: { type: 'user', id: 'u_2' },
          metadata: { '10': 'a', '9': 'b', '': 'c', x: { '2': 1, '1': 2 } },
          request: { method: 'GET', path: '/y', status_code: 200, body: { '1': 'a', b: 'c' } },
        },
        { action: 'user.login', actor: { type: 'user', id: 'u_3' }, status: 'failure' },
      ],
    });
    for (const input of inputs) {
      const event = prepareEvent(input, 'org_1', new Date('2026-01-01T00:00:00Z'), enricher);
      const row = toAppendRow(event);
      expect(row.head + 7 + row.tail).toBe(canonicalize(chainBody(event, 7)));
    }
  });
});
