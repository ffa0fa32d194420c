import type { StoredEvent } from '../../src/domain/event.js';
import { AlertEngine, type EngineOptions, type OrgAlertConfig } from '../../src/workers/alerts/engine.js';
import type { Firing } from '../../src/workers/alerts/types.js';

/** Synthetic stored events for engine tests: one org, seq from 1, times set by the test. */

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;
/** A fixed start, so that firings (and their dedupe keys) are the same on every run. */
export const T0 = Date.parse('2026-03-02T09:00:00.000Z');

export const ADA = { type: 'user' as const, id: 'u_ada', name: 'Ada Lovelace', email: 'ada@example.com' };
export const BOB = { type: 'user' as const, id: 'u_bob', name: 'Bob Builder', email: 'bob@example.com' };
export const KEY = { type: 'api_key' as const, id: 'key_1', name: 'Deploy' };
export const SYSTEM = { type: 'system' as const, id: 'trailmark', name: 'Trailmark' };

export type EventFields = Partial<Omit<StoredEvent, 'occurred_at' | 'received_at'>> & {
  /** Epoch ms; default: one second after the previous event. */
  at?: number;
  /** Received this long after it occurred (default 0). */
  delayMs?: number;
};

export class EventLog {
  private seq = 0;
  private last = T0;
  readonly events: StoredEvent[] = [];

  add(fields: EventFields = {}): StoredEvent {
    const { at, delayMs = 0, ...rest } = fields;
    this.seq += 1;
    this.last = at ?? this.last + 1000;
    const event: StoredEvent = {
      id: `evt_${String(this.seq).padStart(6, '0')}`,
      org: 'org_test',
      seq: this.seq,
      action: 'template.created',
      occurred_at: new Date(this.last).toISOString(),
      received_at: new Date(this.last + delayMs).toISOString(),
      actor: ADA,
      status: 'success',
      prev_hash: '',
      hash: '',
      ...rest,
    };
    this.events.push(event);
    return event;
  }

  /** `count` events built by `make(i)`, `stepMs` apart from `start`. */
  series(count: number, start: number, stepMs: number, make: (i: number) => EventFields): StoredEvent[] {
    return Array.from({ length: count }, (_, i) => this.add({ at: start + i * stepMs, ...make(i) }));
  }
}

/**
 * Only the named detectors on (every other one off), plus `rules`: each test sees the firings
 * of what it is about.
 */
export function onlyDetectors(
  ids: string[],
  overrides: Record<string, Record<string, unknown>> = {},
  rules: OrgAlertConfig['rules'] = [],
): OrgAlertConfig {
  const all = [
    'failed_login_spike',
    'new_country_sign_in',
    'new_ip_sign_in',
    'api_key_created',
    'role_changed',
    'member_removed',
    'bulk_deletion',
    'api_usage_spike',
  ];
  const detectors: Record<string, Record<string, unknown>> = {};
  for (const id of all) detectors[id] = { enabled: ids.includes(id), ...overrides[id] };
  return { detectors: detectors as OrgAlertConfig['detectors'], rules };
}

/** Runs events through a fresh engine in one batch. */
export function run(config: OrgAlertConfig, events: StoredEvent[], options?: EngineOptions): Firing[] {
  const engine = new AlertEngine(config, options);
  return engine.process(engine.initialState(), events);
}
