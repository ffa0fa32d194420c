import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { type AlertRule, alertRuleProblems, parseAlertRule } from '../../src/workers/alerts/rules.js';
import { ADA, BOB, EventLog, KEY, MINUTE, onlyDetectors, run, T0 } from './support.js';

/** Custom rules: the list's filters, a threshold in a window, a group and a cool-down. */

function rule(id: string, input: Record<string, unknown>): AlertRule {
  return { id, ...parseAlertRule({ name: id, ...input }) };
}
const withRules = (...rules: AlertRule[]) => onlyDetectors([], {}, rules);

describe('rule validation', () => {
  it('applies defaults', () => {
    expect(parseAlertRule({ name: 'Keys' })).toEqual({
      name: 'Keys',
      enabled: true,
      filters: {},
      threshold: 1,
      window_minutes: 5,
      group_by: 'none',
      cooldown_minutes: 0,
      severity: 'medium',
    });
  });

  it('names the field of each problem', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ action: 'User.Login' }, '/action'],
      [{ action: '*.login' }, '/action'],
      [{ action: 'api_key.*,' }, '/action'],
      [{ filters: { ip: 'localhost' } }, '/filters/ip'],
      [{ filters: { country: 'Germany' } }, '/filters/country'],
      [{ filters: { status: 'ok' } }, '/filters/status'],
      [{ filters: { kind: 'all' } }, '/filters/kind'],
      [{ filters: { colour: 'red' } }, '/filters/colour'],
      [{ threshold: 0 }, '/threshold'],
      [{ threshold: 1001 }, '/threshold'],
      [{ window_minutes: 1.5 }, '/window_minutes'],
      [{ group_by: 'country' }, '/group_by'],
      [{ cooldown_minutes: -1 }, '/cooldown_minutes'],
      [{ severity: 'urgent' }, '/severity'],
      [{ name: '' }, '/name'],
    ];
    for (const [input, path] of cases) {
      const issues = alertRuleProblems({ name: 'r', ...input });
      expect(
        issues.map((i) => i.path),
        JSON.stringify(input),
      ).toContain(path);
    }
    expect(() => parseAlertRule({ name: 'r', action: 'Bad' })).toThrow(AppError);
  });

  it('accepts the list filter syntax: exact, comma lists and prefixes', () => {
    expect(alertRuleProblems({ name: 'r', action: 'api_key.*, member.removed,user_*' })).toEqual([]);
    expect(alertRuleProblems({ name: 'r', filters: { ip: '2001:DB8::1', country: 'de', q: '%_' } })).toEqual(
      [],
    );
    expect(parseAlertRule({ name: 'r', filters: { country: 'de' } }).filters.country).toBe('DE');
  });
});

describe('custom rules', () => {
  it('fire per group at the threshold, then keep quiet for the cool-down', () => {
    const keys = rule('rule_keys', {
      action: 'api_key.*',
      threshold: 3,
      window_minutes: 10,
      group_by: 'actor',
      cooldown_minutes: 30,
    });
    const log = new EventLog();
    log.series(3, T0, MINUTE, () => ({ action: 'api_key.created' })); // Ada: fires at the 3rd
    log.series(3, T0 + 5 * MINUTE, MINUTE, () => ({ action: 'api_key.deleted' })); // in the cool-down
    log.series(3, T0 + 3 * MINUTE, 10_000, () => ({ action: 'api_key.status_updated', actor: BOB })); // Bob's own
    log.series(2, T0 + 10 * MINUTE, MINUTE, () => ({ action: 'template.created' })); // not matched
    log.series(3, T0 + 40 * MINUTE, MINUTE, () => ({ action: 'api_key.created' })); // after it: fires
    const firings = run(withRules(keys), log.events);
    expect(firings.map((f) => [f.group_key, f.first_seq, f.matched_count])).toEqual([
      ['actor:u_ada', 1, 3],
      ['actor:u_bob', 7, 3],
      ['actor:u_ada', 12, 3],
    ]);
    expect(firings[0]).toMatchObject({
      source: { kind: 'rule', id: 'rule_keys' },
      title: 'rule_keys by ada@example.com',
      event_filter: { action: 'api_key.*', actor: 'u_ada' },
    });
  });

  it('without a group, count every matching event together', () => {
    const r = rule('rule_failures', { filters: { status: 'failure' }, threshold: 4, window_minutes: 1 });
    const log = new EventLog();
    log.series(4, T0, 10_000, (i) => ({ status: 'failure', actor: i % 2 ? ADA : BOB }));
    const firings = run(withRules(r), log.events);
    expect(firings.map((f) => [f.group_key, f.matched_count])).toEqual([['*', 4]]);
  });

  it('with threshold 1 and no cool-down, fire on every matching event', () => {
    const r = rule('rule_removed', { action: 'member.removed' });
    const log = new EventLog();
    log.series(3, T0, 0, () => ({ action: 'member.removed' }));
    log.add({ action: 'member.invited' });
    expect(run(withRules(r), log.events).map((f) => f.first_seq)).toEqual([1, 2, 3]);
  });

  it('group by IP, API key and resource', () => {
    const log = new EventLog();
    log.add({ action: 'doc.viewed', context: { ip: '2001:DB8::9' }, resource: { type: 'doc', id: 'd1' } });
    log.add({
      action: 'doc.viewed',
      actor: KEY,
      context: { ip: '2001:db8::9' },
      resource: { type: 'doc', id: 'd2' },
    });
    log.add({
      action: 'doc.viewed',
      request: { method: 'GET', path: '/d1', status_code: 200, api_key_last4: 'z9z9' },
      resource: { type: 'doc', id: 'd1' },
    });
    log.add({ action: 'doc.viewed' });
    const byIp = rule('by_ip', { action: 'doc.viewed', threshold: 2, group_by: 'ip' });
    const byKey = rule('by_key', { action: 'doc.viewed', group_by: 'api_key' });
    const byResource = rule('by_resource', { action: 'doc.viewed', threshold: 2, group_by: 'resource' });
    expect(run(withRules(byIp), log.events).map((f) => f.group_key)).toEqual(['ip:2001:db8::9']);
    expect(run(withRules(byKey), log.events).map((f) => f.group_key)).toEqual(['key:key_1', 'last4:z9z9']);
    expect(run(withRules(byResource), log.events).map((f) => f.group_key)).toEqual(['resource:doc/d1']);
  });

  it('filter like the list does, and by country', () => {
    const log = new EventLog();
    log.add({ action: 'user.login', actor: { ...ADA, email: 'ADA@Example.com' } });
    log.add({ action: 'user.login', context: { ip: '80.187.100.1', location: { country: 'DE' } } });
    log.add({ action: 'user.login', actor: BOB, context: { ip: '8.8.8.8', location: { country: 'US' } } });
    log.add({ action: 'user.logout', context: { location: { country: 'DE' } } });
    const byEmail = rule('email', { action: 'user.login', filters: { actor: 'ada@EXAMPLE.com' } });
    const fromGermany = rule('de', { action: 'user.login', filters: { country: 'de' } });
    expect(run(withRules(byEmail), log.events).map((f) => f.first_seq)).toEqual([1, 2]);
    expect(run(withRules(fromGermany), log.events).map((f) => f.first_seq)).toEqual([2]);
  });

  it('are skipped while disabled', () => {
    const r = { ...rule('off', { action: 'member.removed' }), enabled: false };
    const log = new EventLog();
    log.add({ action: 'member.removed' });
    expect(run(withRules(r), log.events)).toEqual([]);
  });
});
