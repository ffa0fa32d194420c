import { describe, expect, it } from 'vitest';
import type { EventInput, StoredEvent } from '../../src/domain/event.js';
import { prepareEvent } from '../../src/domain/prepare-event.js';
import { createEnricher } from '../../src/enrich/enricher.js';
import { ADA, BOB, DAY, MINUTE, onlyDetectors, run, T0 } from './support.js';

/**
 * Sign-in from a new country, with locations from the bundled GeoLite2 data through the real
 * enricher, as ingest stores them: 8.8.8.8 is in the US, 80.187.100.1 (Deutsche Telekom) and
 * 2003::1 in Germany, 81.2.69.142 in Great Britain.
 */

const enricher = createEnricher();
const US = '8.8.8.8';
const DE = '80.187.100.1';
const DE6 = '2003::1';
const GB = '81.2.69.142';

/** Events as ingest prepares them (enriched, normalised), numbered in order. */
function stored(inputs: Array<{ at: number; input: EventInput }>): StoredEvent[] {
  return inputs.map(({ at, input }, i) => {
    const {
      input_hash: _h,
      client_id: _c,
      ...event
    } = prepareEvent(input, 'org_geo', new Date(at), enricher);
    return { ...event, seq: i + 1, prev_hash: '', hash: '' };
  });
}

const signIn = (ip: string, actor: EventInput['actor'] = ADA, status: 'success' | 'failure' = 'success') => ({
  action: 'user.login',
  actor,
  status,
  context: { ip },
});

const config = onlyDetectors(['new_country_sign_in']);

describe('sign-in from a new country', () => {
  it('the addresses map to the countries the tests rely on', () => {
    expect(enricher.location(US)?.country).toBe('US');
    expect(enricher.location(DE)?.country).toBe('DE');
    expect(enricher.location(DE6)?.country).toBe('DE');
    expect(enricher.location(GB)?.country).toBe('GB');
  });

  it('fires when an actor who signed in from the US signs in from Germany', () => {
    const events = stored([
      { at: T0, input: signIn(US) },
      { at: T0 + DAY, input: signIn(US) },
      { at: T0 + 2 * DAY, input: signIn(DE) },
    ]);
    expect(events[2]!.context?.location?.country).toBe('DE');
    const firings = run(config, events);
    expect(firings).toHaveLength(1);
    expect(firings[0]).toMatchObject({
      source: { kind: 'detector', id: 'new_country_sign_in' },
      group_key: 'actor:u_ada',
      first_seq: 3,
      matched_count: 1,
      sample_event_ids: [events[2]!.id],
      details: { country: 'DE', known_countries: ['US'], ip: DE },
      event_filter: { actor: 'u_ada', action: 'user.login' },
    });
    expect(firings[0]!.title).toBe('ada@example.com signed in from a new country: DE');
  });

  it("does not fire for an actor's first sign-in, a known country, or another actor's history", () => {
    const events = stored([
      { at: T0, input: signIn(DE) },
      { at: T0 + MINUTE, input: signIn(DE6) },
      { at: T0 + 2 * MINUTE, input: signIn(US, BOB) },
    ]);
    expect(run(config, events)).toEqual([]);
  });

  it('ignores failed sign-ins, and sign-ins without a location', () => {
    const events = stored([
      { at: T0, input: signIn(US) },
      { at: T0 + MINUTE, input: signIn(DE, ADA, 'failure') },
      { at: T0 + 2 * MINUTE, input: signIn('203.0.113.7') },
      { at: T0 + 3 * MINUTE, input: { action: 'user.login', actor: ADA } },
    ]);
    expect(run(config, events)).toEqual([]);
  });

  it('forgets a country after 90 days without a sign-in from it', () => {
    const events = stored([
      { at: T0, input: signIn(US) },
      { at: T0 + DAY, input: signIn(DE) }, // new: fires
      { at: T0 + 80 * DAY, input: signIn(US) },
      { at: T0 + 95 * DAY, input: signIn(DE) }, // DE last seen 94 days ago: new again
      { at: T0 + 100 * DAY, input: signIn(GB) }, // new
      { at: T0 + 101 * DAY, input: signIn(US) }, // seen 21 days ago
    ]);
    const firings = run(config, events);
    expect(firings.map((f) => [f.first_seq, f.details.country, f.details.known_countries])).toEqual([
      [2, 'DE', ['US']],
      [4, 'DE', ['US']],
      [5, 'GB', ['US', 'DE']],
    ]);
  });

  it('treats an actor with nothing in the last 90 days like a first sign-in', () => {
    const events = stored([
      { at: T0, input: signIn(US) },
      { at: T0 + 120 * DAY, input: signIn(DE) },
    ]);
    expect(run(config, events)).toEqual([]);
  });
});
