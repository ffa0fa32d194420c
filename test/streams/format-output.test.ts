import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import { STREAM_FORMATS, streamFormat } from '../../src/export/formats/stream-format.js';
import { chainOf, HOSTILE_STRINGS, SAMPLE_EVENTS } from './sample-events.js';

/**
 * What each format writes, byte for byte, kept in test/fixtures/streams/: a SIEM's parsers and
 * saved searches see these lines, so a change to them should be one that was meant (rewrite the
 * files with `npx vitest run test/streams/format-output.test.ts -u` and read the diff). Beside the
 * sample events, one event per hostile string with that string in every field a format writes.
 */
const HOSTILE_EVENTS: StoredEvent[] = chainOf(
  HOSTILE_STRINGS.map((text, index) => ({
    action: index % 2 === 0 ? 'user.login_failed' : 'doc.updated',
    occurred_at: '2026-11-01T10:00:00.000Z',
    actor: {
      type: (['user', 'api_key', 'service', 'system'] as const)[index % 4]!,
      id: `id ${text}`,
      name: text,
      email: `a${text}@b.example`,
    },
    resource: { type: index % 3 === 0 ? 'user' : 'doc', id: `r=${text}`, name: text },
    workspace: `w ${text}`,
    description: text,
    context: {
      ip: index % 2 === 0 ? '203.0.113.9' : undefined,
      user_agent: text,
      auth_type: 'session',
      location: { country: text, city: text },
      client: { browser: text },
    },
    request:
      index % 3 === 2
        ? {
            method: 'PATCH' as const,
            path: `/p?a=b&c=${text}`,
            status_code: 409,
            duration_ms: index / 3,
            query: { [text]: text, '10': [1, null], '9': true },
            headers: { 'x-text': text },
          }
        : undefined,
    metadata: { [text]: { nested: text }, n: -1.5e-7 },
  })),
  'org | = \\ "x"',
);

describe('stream formats write what they wrote before', () => {
  for (const name of STREAM_FORMATS) {
    it(name, async () => {
      const format = streamFormat(name, { productVersion: '0.1.0|=\\' });
      const lines = [...SAMPLE_EVENTS, ...HOSTILE_EVENTS].map((event) => format.format(event));
      await expect(`${lines.join('\n')}\n`).toMatchFileSnapshot(`../fixtures/streams/${name}.txt`);
    });
  }
});
