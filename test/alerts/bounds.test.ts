import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import { AlertEngine, type EngineStateJson, type OrgAlertConfig } from '../../src/workers/alerts/engine.js';
import { parseAlertRule } from '../../src/workers/alerts/rules.js';
import { T0 } from './support.js';

/**
 * The engine's state stays within its documented bounds however many actors, addresses and
 * keys an org's events name: 100,000 distinct ones here, each through every stateful source.
 */

const N = 100_000;

function ipOf(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/** One event per call, numbered; `stepMs` apart. */
function stream(stepMs: number) {
  let seq = 0;
  return (fields: Partial<StoredEvent>): StoredEvent => {
    seq += 1;
    const at = new Date(T0 + seq * stepMs).toISOString();
    return {
      id: `evt_${seq}`,
      org: 'org_bounds',
      seq,
      action: 'template.created',
      occurred_at: at,
      received_at: at,
      actor: { type: 'user', id: 'u' },
      status: 'success',
      prev_hash: '',
      hash: '',
      ...fields,
    };
  };
}

/** For distinct actor/IP/key number i: a failed login, a sign-in, a deletion and an API request. */
function eventsFor(next: (fields: Partial<StoredEvent>) => StoredEvent, i: number): StoredEvent[] {
  const actor = { type: 'user' as const, id: `user_${i}` };
  const context = { ip: ipOf(i), location: { country: i % 2 ? 'US' : 'DE' } };
  return [
    next({ action: 'user.login_failed', status: 'failure', actor, context }),
    next({ action: 'user.login', actor, context }),
    next({ action: 'doc.deleted', actor, context }),
    next({
      action: 'api.request',
      actor: { type: 'api_key', id: `key_${i}` },
      request: { method: 'GET', path: '/x', status_code: 200 },
    }),
  ];
}

const config: OrgAlertConfig = {
  detectors: { new_ip_sign_in: { enabled: true } },
  rules: [
    { id: 'per_ip', ...parseAlertRule({ name: 'per ip', threshold: 5, window_minutes: 60, group_by: 'ip' }) },
    {
      id: 'big',
      ...parseAlertRule({ name: 'big', threshold: 1000, window_minutes: 1440, group_by: 'actor' }),
    },
  ],
};

type Groups = { groups: unknown[] };
function sizes(snapshot: EngineStateJson) {
  const state = (key: string) => snapshot.sources[key]!.state;
  const failed = state('detector:failed_login_spike') as { actor: Groups; ip: Groups };
  const entries = (counter: { groups: Array<[string, unknown, number, number[]]> }) =>
    counter.groups.reduce((n, g) => n + g[3].length, 0);
  return {
    failedByActor: failed.actor.groups.length,
    failedByIp: failed.ip.groups.length,
    countryActors: (state('detector:new_country_sign_in') as { actors: unknown[] }).actors.length,
    ipActors: (state('detector:new_ip_sign_in') as { actors: unknown[] }).actors.length,
    deletionGroups: (state('detector:bulk_deletion') as Groups).groups.length,
    apiKeys: (state('detector:api_usage_spike') as { keys: unknown[] }).keys.length,
    ruleGroups: (state('rule:per_ip') as Groups).groups.length,
    bigRuleEntries: entries(state('rule:big') as { groups: Array<[string, unknown, number, number[]]> }),
    jsonBytes: JSON.stringify(snapshot).length,
  };
}

describe('engine state bounds', () => {
  it('holds with 100,000 distinct actors, addresses and keys at once', () => {
    const engine = new AlertEngine(config);
    const state = engine.initialState();
    const next = stream(1);
    for (let i = 0; i < N; i += 1000) {
      const batch: StoredEvent[] = [];
      for (let j = i; j < i + 1000; j++) batch.push(...eventsFor(next, j));
      engine.process(state, batch);
    }
    // One actor with many addresses and countries, and a few actors with long runs for the big rule.
    const many: StoredEvent[] = [];
    for (let i = 0; i < 500; i++) {
      const context = { ip: ipOf(N + i), location: { country: `C${i % 100}` } };
      many.push(next({ action: 'user.login', actor: { type: 'user', id: 'roamer' }, context }));
    }
    for (let a = 0; a < 80; a++) {
      for (let i = 0; i < 999; i++)
        many.push(next({ action: 'doc.viewed', actor: { type: 'user', id: `busy_${a}` } }));
    }
    engine.process(state, many);

    const snapshot = engine.snapshot(state);
    const got = sizes(snapshot);
    expect(got.failedByActor).toBeLessThanOrEqual(10_000);
    expect(got.failedByIp).toBeLessThanOrEqual(10_000);
    expect(got.countryActors).toBeLessThanOrEqual(20_000);
    expect(got.ipActors).toBeLessThanOrEqual(10_000);
    expect(got.deletionGroups).toBeLessThanOrEqual(10_000);
    expect(got.apiKeys).toBeLessThanOrEqual(5000);
    expect(got.ruleGroups).toBeLessThanOrEqual(10_000);
    expect(got.bigRuleEntries).toBeLessThanOrEqual(50_000);
    expect(got.jsonBytes).toBeLessThan(16 * 1024 * 1024);
    const roamer = (
      snapshot.sources['detector:new_country_sign_in']!.state as {
        actors: Array<[string, number, unknown[]]>;
      }
    ).actors.find(([actor]) => actor === 'roamer');
    expect(roamer![2].length / 2).toBeLessThanOrEqual(16);
    // The bounds are reached, not avoided by forgetting everything.
    expect(got.failedByActor).toBeGreaterThanOrEqual(8000);
    expect(got.countryActors).toBeGreaterThanOrEqual(16_000);
  });

  it('keeps only what is recent when the same numbers are spread over time', () => {
    const engine = new AlertEngine(config);
    const state = engine.initialState();
    const next = stream(250); // four events a second: one distinct actor, address and key a second
    for (let i = 0; i < N / 4; i += 1000) {
      const batch: StoredEvent[] = [];
      for (let j = i; j < i + 1000; j++) batch.push(...eventsFor(next, j));
      engine.process(state, batch);
    }
    const got = sizes(engine.snapshot(state));
    // A group is kept while its window or cool-down can still matter: five minutes of actors
    // for failed logins (a few hundred), two for deletions.
    expect(got.failedByActor).toBeLessThanOrEqual(2 * 5 * 60);
    expect(got.failedByIp).toBeLessThanOrEqual(2 * 5 * 60);
    expect(got.deletionGroups).toBeLessThanOrEqual(2 * 2 * 60);
    expect(got.ruleGroups).toBeLessThanOrEqual(2 * 60 * 60);
  });
});
