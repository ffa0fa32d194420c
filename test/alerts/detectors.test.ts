import { describe, expect, it } from 'vitest';
import {
  DETECTORS,
  detectorOverridesProblems,
  resolveDetectorSettings,
} from '../../src/workers/alerts/detectors/index.js';
import { DETECTOR_IDS } from '../../src/workers/alerts/types.js';
import { ADA, BOB, DAY, type EventFields, EventLog, KEY, MINUTE, onlyDetectors, run, T0 } from './support.js';

/** Issue 15's acceptance scenarios for the built-in detectors, one detector at a time. */

const failed = (i: number) => ({
  action: 'user.login_failed',
  status: 'failure' as const,
  context: { ip: `198.51.100.${i + 1}` },
});

describe('detector definitions', () => {
  it('are registered under their own ids, with defaults their schemas accept', () => {
    for (const id of DETECTOR_IDS) expect(DETECTORS[id].id).toBe(id);
    const settings = resolveDetectorSettings();
    expect(settings.new_ip_sign_in.enabled).toBe(false);
    for (const id of DETECTOR_IDS.filter((d) => d !== 'new_ip_sign_in'))
      expect(settings[id].enabled).toBe(true);
    expect(settings.failed_login_spike).toMatchObject({ threshold: 10, window_minutes: 5 });
    expect(settings.bulk_deletion).toMatchObject({ threshold: 50, window_minutes: 2 });
  });
});

describe('detector settings', () => {
  it('accept partial overrides and name the field of each problem', () => {
    expect(
      detectorOverridesProblems({ new_ip_sign_in: { enabled: true }, bulk_deletion: { threshold: 20 } }),
    ).toEqual([]);
    const cases: Array<[unknown, string]> = [
      [{ bulk_deletion: { threshold: 1 } }, '/bulk_deletion/threshold'],
      [{ failed_login_spike: { window_minutes: 0 } }, '/failed_login_spike/window_minutes'],
      [{ api_key_created: { actions: 'API_KEY.created' } }, '/api_key_created/actions'],
      [{ failed_login_spike: { failed_actions: '*.login_failed,' } }, '/failed_login_spike/failed_actions'],
      [{ api_usage_spike: { factor: 1 } }, '/api_usage_spike/factor'],
      [{ member_removed: { severity: 'urgent' } }, '/member_removed/severity'],
      [{ no_such_detector: {} }, '/no_such_detector'],
      [{ role_changed: { colour: 'red' } }, '/role_changed/colour'],
    ];
    for (const [overrides, path] of cases) {
      expect(
        detectorOverridesProblems(overrides).map((i) => i.path),
        JSON.stringify(overrides),
      ).toContain(path);
    }
  });
});

describe('failed-login spike', () => {
  const config = onlyDetectors(['failed_login_spike']);

  it('fires for 10 failed logins of one actor within 5 minutes, once', () => {
    const log = new EventLog();
    const events = log.series(10, T0, 30_000, failed); // the last one 4.5 minutes after the first
    const firings = run(config, events);
    expect(firings).toHaveLength(1);
    expect(firings[0]).toMatchObject({
      source: { kind: 'detector', id: 'failed_login_spike' },
      group_key: 'actor:u_ada',
      matched_count: 10,
      first_seq: 1,
      last_seq: 10,
      window_start: new Date(T0).toISOString(),
      window_end: new Date(T0 + 270_000).toISOString(),
      severity: 'high',
      event_filter: { actor: 'u_ada' },
    });
    expect(firings[0]!.sample_event_ids).toEqual(events.map((e) => e.id));
    expect(firings[0]!.dedupe_key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('does not fire for 9', () => {
    const log = new EventLog();
    expect(run(config, log.series(9, T0, 30_000, failed))).toEqual([]);
  });

  it('does not fire for 10 spread over more than 5 minutes', () => {
    const log = new EventLog();
    expect(run(config, log.series(10, T0, 34_000, failed))).toEqual([]);
  });

  it('fires once per burst: not again within the cool-down, again for a later burst', () => {
    const log = new EventLog();
    const first = log.series(25, T0, 10_000, failed); // 25 in 4 minutes
    const later = log.series(10, T0 + 20 * MINUTE, 10_000, failed);
    const firings = run(config, [...first, ...later]);
    expect(firings.map((f) => f.first_seq)).toEqual([1, 26]);
    expect(new Set(firings.map((f) => f.dedupe_key)).size).toBe(2);
  });

  it('counts per actor: 5 failures each for two actors do not fire', () => {
    const log = new EventLog();
    const events = log.series(10, T0, 10_000, (i) => ({ ...failed(i), actor: i % 2 ? ADA : BOB }));
    expect(run(config, events)).toEqual([]);
  });

  it('fires for 10 failed logins from one IP across many actors, and not for 9', () => {
    const fromOneIp = (count: number) => {
      const log = new EventLog();
      return log.series(count, T0, 20_000, (i) => ({
        action: 'user.login_failed',
        status: 'failure',
        actor: { type: 'user', id: `u_${i}` },
        context: { ip: '2001:DB8::1' },
      }));
    };
    const firings = run(config, fromOneIp(10));
    expect(firings).toHaveLength(1);
    expect(firings[0]).toMatchObject({ group_key: 'ip:2001:db8::1', event_filter: { ip: '2001:db8::1' } });
    expect(run(config, fromOneIp(9))).toEqual([]);
  });

  it("recognises customers' names and failed status, not successful sign-ins", () => {
    const log = new EventLog();
    const actions = ['account.sign_in_failed', 'user.login', 'member.signin_failed', 'user.login_failed'];
    const events = log.series(10, T0, 10_000, (i) => ({
      action: actions[i % actions.length]!,
      status: 'failure',
    }));
    expect(run(config, events)).toHaveLength(1);
    const successes = new EventLog().series(20, T0, 1000, () => ({ action: 'user.login' }));
    expect(run(config, successes)).toEqual([]);
  });

  it('follows its settings: threshold, window, grouping', () => {
    const log = new EventLog();
    const events = log.series(3, T0, 60_000, failed);
    const tuned = onlyDetectors(['failed_login_spike'], {
      failed_login_spike: { threshold: 3, window_minutes: 2, by_ip: false },
    });
    expect(run(tuned, events)).toHaveLength(1);
    const byIpOnly = onlyDetectors(['failed_login_spike'], { failed_login_spike: { by_actor: false } });
    expect(run(byIpOnly, new EventLog().series(10, T0, 1000, failed))).toEqual([]);
  });
});

describe('immediate detectors', () => {
  const config = onlyDetectors(['api_key_created', 'role_changed', 'member_removed']);

  it('fire once for each key created, role changed and member removed', () => {
    const log = new EventLog();
    log.add({ action: 'api_key.created', resource: { type: 'api_key', id: 'key_9', name: 'CI' } });
    log.add({ action: 'member.role_changed', resource: { type: 'user', id: 'u_bob' } });
    log.add({ action: 'member.removed', actor: BOB, resource: { type: 'user', id: 'u_carol' } });
    log.add({ action: 'member.invited' });
    log.add({ action: 'api_key.deleted' });
    const firings = run(config, log.events);
    expect(firings.map((f) => [f.source.id, f.first_seq, f.matched_count])).toEqual([
      ['api_key_created', 1, 1],
      ['role_changed', 2, 1],
      ['member_removed', 3, 1],
    ]);
    expect(firings[0]).toMatchObject({
      group_key: 'actor:u_ada',
      sample_event_ids: [log.events[0]!.id],
      title: 'ada@example.com created API key CI',
      event_filter: { action: 'api_key.created', actor: 'u_ada' },
    });
  });

  it("also fire for a customer's equivalents when configured", () => {
    const log = new EventLog();
    log.add({ action: 'credential.created' });
    log.add({ action: 'token.issued' });
    const tuned = onlyDetectors(['api_key_created'], {
      api_key_created: { actions: 'api_key.created, credential.*' },
    });
    expect(run(tuned, log.events).map((f) => f.first_seq)).toEqual([1]);
  });

  it('raise nothing for an event imported long after it occurred', () => {
    const log = new EventLog();
    log.add({ action: 'api_key.created', delayMs: 2 * DAY });
    log.add({ action: 'api_key.created', delayMs: 5 * MINUTE });
    expect(run(config, log.events).map((f) => f.first_seq)).toEqual([2]);
  });
});

describe('bulk deletion', () => {
  const config = onlyDetectors(['bulk_deletion']);
  const deletions = ['template.deleted', 'user.delete', 'api_key.iam_rule.delete_all', 'project.deleted'];
  const del = (i: number) => ({ action: deletions[i % deletions.length]! });

  it('fires for 50 deletes by one actor in 2 minutes', () => {
    const log = new EventLog();
    const firings = run(config, log.series(50, T0, 2000, del)); // 98 s
    expect(firings).toHaveLength(1);
    expect(firings[0]).toMatchObject({
      group_key: 'actor:u_ada',
      matched_count: 50,
      first_seq: 1,
      last_seq: 50,
    });
    expect(firings[0]!.sample_event_ids).toHaveLength(10);
  });

  it('does not fire for 49, nor for 50 spread over more than 2 minutes, nor split between actors', () => {
    expect(run(config, new EventLog().series(49, T0, 2000, del))).toEqual([]);
    expect(run(config, new EventLog().series(50, T0, 2500, del))).toEqual([]); // 122.5 s
    const shared = new EventLog().series(50, T0, 1000, (i) => ({ ...del(i), actor: i % 2 ? ADA : BOB }));
    expect(run(config, shared)).toEqual([]);
  });

  it('counts only actions whose last segment starts with delete', () => {
    const log = new EventLog();
    const others = ['template.undeleted', 'deleted_items.viewed', 'template.created'];
    const events = log.series(60, T0, 1000, (i) => ({ action: others[i % others.length]! }));
    expect(run(config, events)).toEqual([]);
  });
});

describe('unusual API usage', () => {
  const config = onlyDetectors(['api_usage_spike']);
  const request = (actor = KEY) => ({
    action: 'api.request',
    actor,
    request: { method: 'GET' as const, path: '/api/v1/templates', status_code: 200 },
  });

  /** `perMinute[m]` requests spread evenly over minute m. */
  function traffic(log: EventLog, perMinute: number[], make: () => EventFields = () => request()): void {
    perMinute.forEach((count, minute) => {
      for (let i = 0; i < count; i++)
        log.add({ at: T0 + minute * MINUTE + Math.floor((i * MINUTE) / count), ...make() });
    });
  }

  it('fires when a key jumps 20-fold over its baseline, once', () => {
    const log = new EventLog();
    traffic(log, [...Array(10).fill(20), 400, 400]);
    const firings = run(config, log.events);
    expect(firings).toHaveLength(1);
    expect(firings[0]).toMatchObject({
      group_key: 'key:key_1',
      matched_count: 201, // fires when the count passes 10 × 20
      event_filter: { kind: 'request', actor: 'key_1' },
      details: { baseline: 20 },
    });
    expect(firings[0]!.window_start).toBe(new Date(T0 + 10 * MINUTE).toISOString());
  });

  it('does not fire for steady traffic with normal variation', () => {
    const log = new EventLog();
    const minutes = Array.from({ length: 60 }, (_, m) => 120 + ((m * 37) % 61) - 30); // 90 to 150 per minute
    traffic(log, minutes);
    expect(run(config, log.events)).toEqual([]);
  });

  it('does not fire for a key without history, nor below the floor', () => {
    const fresh = new EventLog();
    traffic(fresh, [500, 500]);
    expect(run(config, fresh.events)).toEqual([]);
    const quiet = new EventLog();
    traffic(quiet, [...Array(10).fill(2), 90]); // 45-fold, but 90 is under the floor of 100
    expect(run(config, quiet.events)).toEqual([]);
  });

  it("groups a customer's request log by the key's last four characters", () => {
    const log = new EventLog();
    traffic(log, [...Array(6).fill(10), 300], () => ({
      action: 'api.request',
      actor: ADA,
      request: { method: 'POST' as const, path: '/v1/x', status_code: 201, api_key_last4: 'a1b2' },
    }));
    const firings = run(config, log.events);
    expect(firings.map((f) => f.group_key)).toEqual(['last4:a1b2']);
  });
});

describe('new IP sign-in', () => {
  const signIn = (ip: string) => ({ action: 'user.login', context: { ip } });

  it('is off by default', () => {
    const log = new EventLog();
    log.add(signIn('203.0.113.1'));
    log.add(signIn('203.0.113.2'));
    const defaults = { detectors: { new_country_sign_in: { enabled: false } } };
    expect(run(defaults, log.events)).toEqual([]);
  });

  it('when on, fires for an IP new to the actor, not for the first sign-in or a known IP', () => {
    const config = onlyDetectors(['new_ip_sign_in']);
    const log = new EventLog();
    log.add(signIn('203.0.113.1'));
    log.add(signIn('203.0.113.1'));
    log.add(signIn('2001:DB8::5'));
    log.add(signIn('2001:db8::5'));
    log.add({ ...signIn('203.0.113.9'), actor: BOB });
    const firings = run(config, log.events);
    expect(firings.map((f) => [f.first_seq, f.details.ip])).toEqual([[3, '2001:db8::5']]);
  });
});
