import type { StoredEvent } from '../src/domain/event.js';
import { AlertEngine, type OrgAlertConfig } from '../src/workers/alerts/engine.js';
import { type AlertRule, parseAlertRule } from '../src/workers/alerts/rules.js';
import { argValue, report } from './lib.js';

/**
 * `npx tsx bench/alerts-engine.ts [--events=500000]`: events per second through the alert
 * engine of one org, on one core, with every detector on (new-IP sign-ins included) and 20
 * custom rules, in batches of 1,000 as a log consumer would hand them over. The events are a
 * mix like a busy org's: mostly request log entries and ordinary changes, some sign-ins (a few
 * failed, from several countries), deletions and key, role and member changes, at 35,000
 * events/s of event time. Prints `BENCH alerts_engine_events_per_s N events/s`.
 */

const total = Number(argValue('events', '500000'));
const BATCH = 1000;
const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const EVENT_GAP_MS = 1000 / 35_000;

/** A deterministic pseudo-random sequence (mulberry32), so every run sees the same events. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COUNTRIES = ['US', 'DE', 'GB', 'FR', 'NL'];
const ACTIONS = [
  'template.created',
  'template.updated',
  'template.viewed',
  'project.updated',
  'document.generated',
];

function makeEvents(count: number, firstSeq: number, startMs: number): StoredEvent[] {
  const next = random(firstSeq);
  const events: StoredEvent[] = [];
  for (let i = 0; i < count; i++) {
    const seq = firstSeq + i;
    const at = new Date(startMs + i * EVENT_GAP_MS).toISOString();
    const user = Math.floor(next() * 2000);
    const actor = { type: 'user' as const, id: `user_${user}`, email: `user${user}@example.com` };
    const context = {
      ip: `198.51.${user % 200}.${Math.floor(next() * 4)}`,
      location: { country: COUNTRIES[next() < 0.97 ? user % 2 : Math.floor(next() * 5)]! },
    };
    const base = {
      id: `evt_${seq}`,
      org: 'org_bench',
      seq,
      occurred_at: at,
      received_at: at,
      status: 'success' as const,
      prev_hash: '',
      hash: '',
    };
    const roll = next();
    let event: StoredEvent;
    if (roll < 0.6) {
      const key = Math.floor(next() * 20);
      event = {
        ...base,
        action: 'api.request',
        actor: { type: 'api_key', id: `key_${key}` },
        request: { method: 'POST', path: '/api/v1/documents', status_code: 201, api_key_last4: `k${key}` },
        context: { ip: `203.0.113.${key}` },
      };
    } else if (roll < 0.88) {
      const action = ACTIONS[Math.floor(next() * ACTIONS.length)]!;
      event = { ...base, action, actor, context, resource: { type: 'template', id: `tpl_${user % 500}` } };
    } else if (roll < 0.93) {
      event = { ...base, action: 'user.login', actor, context };
    } else if (roll < 0.96) {
      event = { ...base, action: 'user.login_failed', status: 'failure', actor, context };
    } else if (roll < 0.99) {
      event = {
        ...base,
        action: 'template.deleted',
        actor,
        context,
        resource: { type: 'template', id: `t${i}` },
      };
    } else {
      const action = ['api_key.created', 'member.role_changed', 'member.removed', 'member.invited'][
        Math.floor(next() * 4)
      ]!;
      event = { ...base, action, actor, context };
    }
    events.push(event);
  }
  return events;
}

const ruleInputs: Array<Record<string, unknown>> = [
  { action: 'api_key.*' },
  { action: 'member.*', group_by: 'actor', threshold: 3, window_minutes: 10 },
  { action: 'template.deleted', group_by: 'actor', threshold: 20, window_minutes: 1, cooldown_minutes: 10 },
  { filters: { status: 'failure' }, group_by: 'ip', threshold: 30, window_minutes: 5 },
  {
    filters: { kind: 'request' },
    group_by: 'api_key',
    threshold: 1000,
    window_minutes: 1,
    cooldown_minutes: 5,
  },
  { action: 'user.login', filters: { country: 'FR' }, group_by: 'actor', cooldown_minutes: 60 },
  { action: 'user.login', filters: { country: 'NL' }, cooldown_minutes: 60 },
  { action: 'template.*', filters: { workspace: 'ws_secret' } },
  { action: 'template.viewed', filters: { resource_id: 'tpl_7' }, threshold: 50, group_by: 'actor' },
  { filters: { actor: 'user7@example.com' }, threshold: 100, window_minutes: 60 },
  { action: 'document.generated', threshold: 500, window_minutes: 1, cooldown_minutes: 30 },
  { filters: { q: 'invoice' } },
  { action: 'project.*', group_by: 'resource', threshold: 10, window_minutes: 5 },
  { filters: { ip: '198.51.100.7' }, threshold: 5 },
  { action: 'user.login_failed', filters: { country: 'DE' }, threshold: 10, group_by: 'actor' },
  { filters: { kind: 'audit', status: 'failure' }, threshold: 50, window_minutes: 1 },
  { action: 'role.*,member.role_changed', severity: 'high' },
  { action: 'export.*,audit_log.exported', group_by: 'actor', threshold: 3, window_minutes: 60 },
  { action: 'api.request', filters: { resource_type: 'secret' } },
  { action: 'template.updated', group_by: 'actor', threshold: 200, window_minutes: 5, cooldown_minutes: 60 },
];

const rules: AlertRule[] = ruleInputs.map((input, i) => ({
  id: `rule_${String(i).padStart(2, '0')}`,
  ...parseAlertRule({ name: `Rule ${i}`, ...input }),
}));
const config: OrgAlertConfig = { detectors: { new_ip_sign_in: { enabled: true } }, rules };

/**
 * The events are made first (JSON-parsed, as a consumer reading the log has them), and only
 * process() is timed, in wall time and in the process's CPU time: on a machine shared with other
 * work the CPU time still says what the engine costs, and it is the figure reported. Best of
 * three runs, each with a fresh engine.
 */
function run(events: StoredEvent[]): { seconds: number; cpuSeconds: number; firings: number } {
  const engine = new AlertEngine(config);
  const state = engine.initialState();
  let firings = 0;
  let wall = 0n;
  let cpuMicros = 0;
  for (let i = 0; i < events.length; i += BATCH) {
    const batch = events.slice(i, i + BATCH);
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    firings += engine.process(state, batch).length;
    const used = process.cpuUsage(cpu);
    wall += process.hrtime.bigint() - start;
    cpuMicros += used.user + used.system;
  }
  return { seconds: Number(wall) / 1e9, cpuSeconds: cpuMicros / 1e6, firings };
}

const events: StoredEvent[] = [];
for (let seq = 1; seq <= total; seq += BATCH) {
  const made = makeEvents(Math.min(BATCH, total - seq + 1), seq, T0 + (seq - 1) * EVENT_GAP_MS);
  events.push(...(JSON.parse(JSON.stringify(made)) as StoredEvent[]));
}
run(events.slice(0, Math.min(50_000, total))); // warm-up: compiled code, not cold
let best = run(events);
for (let i = 0; i < 2; i++) {
  const next = run(events);
  if (next.cpuSeconds < best.cpuSeconds) best = next;
}
process.stderr.write(
  `${total} events in ${best.seconds.toFixed(2)} s (${best.cpuSeconds.toFixed(2)} s of CPU), ` +
    `${best.firings} firings, ${new AlertEngine(config).sources.length} sources\n`,
);
report('alerts_engine_events_per_s', Math.round(total / best.cpuSeconds), 'events/s');
