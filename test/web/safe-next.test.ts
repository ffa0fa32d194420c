import { describe, expect, it } from 'vitest';
import { safeNext } from '../../web/src/lib/safe-next.js';

/** Issue 14, finding 7: `next` after signing in is a path of this site or `/`. */
describe('safeNext', () => {
  it.each(['/', '/members', '/log?actor=u_1&from=2026-01-01', '/keys#new'])(
    'keeps the same-site path %s',
    (path) => {
      expect(safeNext(path)).toBe(path);
    },
  );

  it.each([
    null,
    '',
    'members',
    'https://evil.example/',
    '//evil.example',
    '/\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r//evil.example',
    '/ /evil.example',
    '/\u0000x',
    '/\u00a0/evil.example',
    '/\u2028/evil.example',
    '/a\\b',
    '/é',
  ])('falls back to / for %j', (value) => {
    expect(safeNext(value)).toBe('/');
  });
});
