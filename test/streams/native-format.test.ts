import { describe, expect, it } from 'vitest';
import { rememberBodyText } from '../../src/domain/body-text.js';
import { eventHash, GENESIS_HASH } from '../../src/domain/chain.js';
import type { StoredEvent } from '../../src/domain/event.js';
import { canonicalJson } from '../../src/domain/jcs.js';
import { nativeJson } from '../../src/export/formats/native.js';
import { eventJsonFromRow } from '../../src/store/event-row.js';
import { eventFromRow } from '../../src/store/rows.js';
import { chainOf, HOSTILE_STRINGS, SAMPLE_EVENTS } from './sample-events.js';

describe('native JSON stream format', () => {
  it('is the text the stores hand out for the event', () => {
    for (const event of SAMPLE_EVENTS) {
      const { hash, prev_hash, ...body } = event;
      expect(nativeJson(event)).toBe(eventJsonFromRow({ body: canonicalJson(body), prev_hash, hash }));
    }
  });

  it('writes the body text an event was read from, not a new canonicalisation of it', () => {
    for (const event of SAMPLE_EVENTS) {
      const { hash, prev_hash, ...body } = event;
      const read = eventFromRow({ body: canonicalJson(body), prev_hash, hash });
      // A text no canonicalisation of the event gives: only reuse can put it in the line.
      const stored = `{"seq":${event.seq},"stored":"as read"}`;
      rememberBodyText(read, stored);
      expect(nativeJson(read)).toBe(
        `{"seq":${event.seq},"stored":"as read","prev_hash":"${prev_hash}","hash":"${hash}"}`,
      );
    }
  });

  it('is one line that re-hashes to its hash, and the lines link into the chain', () => {
    let prev = GENESIS_HASH;
    for (const event of SAMPLE_EVENTS) {
      const line = nativeJson(event);
      expect(line).not.toMatch(/[\r\n]/);
      const parsed = JSON.parse(line) as StoredEvent;
      expect(parsed.seq).toBe(event.seq);
      expect(parsed.prev_hash).toBe(prev);
      expect(eventHash(parsed)).toBe(event.hash);
      prev = parsed.hash;
    }
  });

  it('keeps hostile strings and still re-hashes', () => {
    const events = chainOf(
      HOSTILE_STRINGS.map((text, i) => ({
        action: 'doc.updated',
        occurred_at: `2026-11-01T10:00:${String(i).padStart(2, '0')}.000Z`,
        actor: { type: 'user' as const, id: `u_${i}`, name: text },
        description: text,
        metadata: { [text]: text, nested: { seq: 99, hash: text } },
      })),
    );
    for (const event of events) {
      const parsed = JSON.parse(nativeJson(event)) as StoredEvent;
      expect(parsed).toEqual(event);
      expect(eventHash(parsed)).toBe(event.hash);
    }
  });
});
