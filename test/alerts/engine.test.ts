import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import { parseEventQuery } from '../../src/domain/query.js';
import {
  AlertEngine,
  type EngineStateJson,
  type OrgAlertConfig,
  processEvents,
} from '../../src/workers/alerts/engine.js';
import { type AlertRule, parseAlertRule } from '../../src/workers/alerts/rules.js';
import type { Firing } from '../../src/workers/alerts/types.js';
import { ADA, EventLog, MINUTE, onlyDetectors, run, SYSTEM, T0 } from './support.js';

/**
 * What the log consumer relies on: the engine is deterministic, a batch split anywhere gives
 * the same firings as the whole with the state stored as JSON between the parts, replays are
 * harmless, and Trailmark's own alert events never feed back into it.
 */

const rule = (id: string, input: Record<string, unknown>): AlertRule => ({
  id,
  ...parseAlertRule({ name: id, ...input }),
});

/** Every detector on, thresholds low enough that short random sequences fire, and rules of each shape. */
const BUSY: OrgAlertConfig = {
  detectors: {
    failed_login_spike: { threshold: 3, window_minutes: 1, cooldown_minutes: 1 },
    new_country_sign_in: { lookback_days: 1 },
    new_ip_sign_in: { enabled: true, lookback_days: 1 },
    bulk_deletion: { threshold: 3, window_minutes: 1, cooldown_minutes: 0 },
    api_usage_spike: { floor: 3, factor: 2, history_windows: 3, min_history_windows: 2, cooldown_minutes: 1 },
  },
  rules: [
    rule('r_user', {
      action: 'user.*',
      threshold: 2,
      window_minutes: 1,
      group_by: 'actor',
      cooldown_minutes: 1,
    }),
    rule('r_fail', { filters: { status: 'failure' }, threshold: 3, window_minutes: 2, group_by: 'ip' }),
    rule('r_alert', { action: 'alert.*' }),
    rule('r_keys', { filters: { kind: 'request' }, threshold: 4, window_minutes: 1, group_by: 'api_key' }),
    rule('r_de', { filters: { country: 'DE' }, cooldown_minutes: 5, group_by: 'resource' }),
    rule('r_q', { filters: { q: 'ctor_1' }, threshold: 2, window_minutes: 3 }),
  ],
};

const ACTORS = [0, 1, 2, 3].map((i) => ({
  type: 'user' as const,
  id: `actor_${i}`,
  email: `a${i}@example.com`,
}));
const KEYS = [0, 1].map((i) => ({ type: 'api_key' as const, id: `key_${i}` }));
const IPS = ['203.0.113.1', '203.0.113.2', '2001:db8::1'];
const COUNTRIES = ['US', 'DE', 'GB'];

const stepArb = fc.record({
  kind: fc.constantFrom(
    'failed',
    'sign_in',
    'sign_in',
    'delete',
    'request',
    'request',
    'request',
    'key_created',
    'role_changed',
    'removed',
    'other',
    'own_alert',
    'user_alert',
  ),
  actor: fc.nat(3),
  ip: fc.nat(2),
  country: fc.nat(2),
  key: fc.nat(1),
  gapMs: fc.oneof(
    { arbitrary: fc.nat(3000), weight: 10 },
    { arbitrary: fc.nat(90_000), weight: 10 },
    { arbitrary: fc.integer({ min: -120_000, max: 0 }), weight: 3 },
    { arbitrary: fc.nat(2 * 24 * 3600_000), weight: 1 },
  ),
  /** The step is a burst of this many like events, a second or two apart. */
  repeat: fc.oneof(
    { arbitrary: fc.constant(1), weight: 3 },
    { arbitrary: fc.integer({ min: 2, max: 12 }), weight: 1 },
  ),
  /** 0 (one step in 31): the event arrives three days after it occurred. */
  lateIndex: fc.nat(30),
});

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

/** Builds the events of a random script; times wander forward with some disorder. */
function eventsOf(steps: Step[]): StoredEvent[] {
  const log = new EventLog();
  let at = T0;
  for (const burst of steps) {
    for (let r = 0; r < burst.repeat; r++) {
      const step = burst;
      at += r === 0 ? burst.gapMs : 1000 + (r % 2) * 500;
      const actor = ACTORS[step.actor]!;
      const ip = IPS[step.ip]!;
      const context = { ip, location: { country: COUNTRIES[step.country]! } };
      const delayMs = step.lateIndex === 0 ? 3 * 24 * 3600_000 : 0;
      const base = { at, actor, context, delayMs, resource: { type: 'doc', id: `doc_${step.ip}` } };
      switch (step.kind) {
        case 'failed':
          log.add({ ...base, action: 'user.login_failed', status: 'failure' });
          break;
        case 'sign_in':
          log.add({ ...base, action: 'user.login' });
          break;
        case 'delete':
          log.add({ ...base, action: step.ip === 0 ? 'doc.deleted' : 'user.delete' });
          break;
        case 'request':
          log.add({
            ...base,
            actor: KEYS[step.key]!,
            action: 'api.request',
            request: { method: 'GET', path: '/api/x', status_code: 200 },
          });
          break;
        case 'key_created':
          log.add({ ...base, action: 'api_key.created' });
          break;
        case 'role_changed':
          log.add({ ...base, action: 'member.role_changed' });
          break;
        case 'removed':
          log.add({ ...base, action: 'member.removed', status: step.ip === 1 ? 'failure' : 'success' });
          break;
        case 'other':
          log.add({ ...base, action: 'doc.viewed' });
          break;
        case 'own_alert':
          log.add({ ...base, actor: SYSTEM, action: 'alert.triggered' });
          break;
        case 'user_alert':
          log.add({ ...base, action: 'alert.acknowledged' });
          break;
      }
    }
  }
  return log.events;
}

/** The events in parts, the state stored as JSON text between them, as the consumer would. */
function inParts(
  config: OrgAlertConfig,
  events: StoredEvent[],
  cuts: number[],
): { firings: Firing[]; state: string } {
  const bounds = [
    0,
    ...[...new Set(cuts.map((c) => c % (events.length + 1)))].sort((a, b) => a - b),
    events.length,
  ];
  let stored: unknown;
  const firings: Firing[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const result = processEvents(config, stored, events.slice(bounds[i], bounds[i + 1]));
    firings.push(...result.firings);
    stored = JSON.parse(JSON.stringify(result.state));
  }
  return { firings, state: JSON.stringify(stored ?? processEvents(config, undefined, []).state) };
}

describe('alert engine', () => {
  it('gives the same firings for a batch whole or split anywhere, with the state stored between', () => {
    let fired = 0;
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 300 }),
        fc.array(fc.nat(400), { maxLength: 6 }),
        (steps, cuts) => {
          const events = eventsOf(steps);
          const whole = inParts(BUSY, events, []);
          const split = inParts(BUSY, events, cuts);
          expect(split.firings).toEqual(whole.firings);
          expect(split.state).toBe(whole.state);
          // No two firings are the same alert, and each links to its events with valid list filters.
          expect(new Set(whole.firings.map((f) => f.dedupe_key)).size).toBe(whole.firings.length);
          for (const f of whole.firings) expect(() => parseEventQuery(f.event_filter)).not.toThrow();
          fired += whole.firings.length;
        },
      ),
      { numRuns: 200, seed: 1515 },
    );
    expect(fired).toBeGreaterThan(500);
  });

  it('is deterministic: the same events from the same state give the same firings and state', () => {
    const events = eventsOf(fc.sample(stepArb, { numRuns: 400, seed: 7 }));
    const start = processEvents(BUSY, undefined, events.slice(0, 100)).state;
    const a = processEvents(BUSY, structuredClone(start), events.slice(100));
    const b = processEvents(BUSY, structuredClone(start), events.slice(100));
    expect(a.firings.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('skips events it has already processed, so a batch handed over twice fires once', () => {
    const events = eventsOf(fc.sample(stepArb, { numRuns: 200, seed: 8 }));
    const engine = new AlertEngine(BUSY);
    const state = engine.initialState();
    const first = engine.process(state, events.slice(0, 150));
    expect(first.length).toBeGreaterThan(0);
    expect(engine.process(state, events.slice(0, 150))).toEqual([]);
    const rest = engine.process(state, events);
    expect([...first, ...rest]).toEqual(run(BUSY, events));
    expect(state.lastSeq).toBe(events.length);
  });

  it('round-trips its state through JSON', () => {
    const events = eventsOf(fc.sample(stepArb, { numRuns: 300, seed: 9 }));
    const engine = new AlertEngine(BUSY);
    const state = engine.initialState();
    engine.process(state, events);
    const snapshot = engine.snapshot(state);
    const text = JSON.stringify(snapshot);
    expect(engine.snapshot(engine.restore(JSON.parse(text)))).toEqual(JSON.parse(text));
    // A snapshot is a copy: processing on does not change it.
    engine.process(
      state,
      eventsOf(fc.sample(stepArb, { numRuns: 50, seed: 10 })).map((e) => ({ ...e, seq: e.seq + 1000 })),
    );
    expect(JSON.stringify(snapshot)).toBe(text);
  });

  it('starts afresh from a state it cannot read, and per source when its settings changed', () => {
    const engine = new AlertEngine(BUSY);
    for (const junk of [undefined, null, 42, 'x', { version: 99 }, { version: 1, sources: [] }]) {
      expect(engine.snapshot(engine.restore(junk))).toEqual(engine.snapshot(engine.initialState()));
    }
    const log = new EventLog();
    const failure = {
      action: 'user.login_failed',
      status: 'failure' as const,
      context: { ip: '203.0.113.5' },
    };
    log.series(2, T0, 1000, () => failure);
    const stored = processEvents(BUSY, undefined, log.events).state;
    const third = log.add(failure);
    // Unchanged settings: the third failure completes the count.
    expect(processEvents(BUSY, stored, [third]).firings.map((f) => f.source.id)).toContain(
      'failed_login_spike',
    );
    // A new threshold: that detector's count starts over; the rules keep theirs.
    const changed: OrgAlertConfig = {
      ...BUSY,
      detectors: { ...BUSY.detectors, failed_login_spike: { threshold: 3, window_minutes: 2 } },
    };
    const after = processEvents(changed, stored, [third]).firings.map((f) => f.source.id);
    expect(after).not.toContain('failed_login_spike');
    expect(after).toContain('r_fail');
    // A corrupted source state is replaced by a fresh one, not an error.
    const corrupt = structuredClone(stored) as EngineStateJson;
    corrupt.sources['detector:failed_login_spike']!.state = { actor: 'nonsense' };
    expect(() => processEvents(BUSY, corrupt, [third])).not.toThrow();
  });

  it("ignores Trailmark's own alert events, so that alerting on alerts cannot loop", () => {
    const config = onlyDetectors([], {}, [rule('everything', {}), rule('alerts', { action: 'alert.*' })]);
    const engine = new AlertEngine(config);
    const state = engine.initialState();
    const log = new EventLog();
    log.add({ action: 'template.created' });
    log.add({ action: 'alert.acknowledged', actor: ADA });
    let batch = log.events.slice();
    let rounds = 0;
    const all: Firing[] = [];
    // Each firing is recorded as alert.triggered by the system actor, and fed back in.
    while (batch.length && rounds < 10) {
      const firings = engine.process(state, batch);
      all.push(...firings);
      batch = firings.map((f) =>
        log.add({ action: 'alert.triggered', actor: SYSTEM, resource: { type: 'alert', id: f.dedupe_key } }),
      );
      rounds += 1;
    }
    expect(rounds).toBe(2);
    // The user's acknowledgement is an ordinary event: both rules see it.
    expect(all.map((f) => [f.source.id, f.first_seq])).toEqual([
      ['everything', 1],
      ['alerts', 2],
      ['everything', 2],
    ]);
  });

  it('measures windows in event time, not arrival: a late import fires nothing', () => {
    const config = onlyDetectors(['failed_login_spike']);
    const log = new EventLog();
    log.series(10, T0, 1000, () => ({
      action: 'user.login_failed',
      status: 'failure',
      delayMs: 30 * 24 * 60 * MINUTE,
    }));
    expect(run(config, log.events)).toEqual([]);
    expect(run(config, log.events, { maxLatenessMs: 31 * 24 * 60 * MINUTE })).toHaveLength(1);
  });
});
