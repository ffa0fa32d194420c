import type { StoredEvent } from '../../domain/event.js';
import { isRecord } from './bounded-map.js';
import { DETECTORS, type DetectorOverrides, resolveDetectorSettings } from './detectors/index.js';
import { LazyEventView } from './event-view.js';
import { type AlertRule, compileRule } from './rules.js';
import { type CompiledSource, DETECTOR_IDS, type Firing } from './types.js';

/**
 * The alert engine for one org: its detectors and rules applied to its events in seq order.
 *
 * Pure: no I/O, no clock (windows are measured in the events' occurred_at), deterministic. What
 * it remembers between batches is one JSON value (EngineStateJson) that the caller stores in
 * the same transaction as its cursor and the firings, so that a restart resumes exactly where
 * the stored cursor is: no firing lost, none made twice. Processing the same events from the
 * same state gives the same firings with the same dedupe keys; processing them in two batches
 * with the state carried between gives the same firings as one batch. The state also holds the
 * last seq processed, and events at or below it are skipped, so a batch handed over twice (a
 * retry after a commit whose answer was lost) is harmless.
 *
 * Trailmark's own alert events (`alert.*` by the system actor, as the alert writer records
 * `alert.triggered`) are never processed: a rule on `alert.*`, or on every action, would
 * otherwise fire on its own alerts without end.
 */

export interface OrgAlertConfig {
  /** The org's detector settings as stored: only what it changed (see DetectorOverrides). */
  detectors?: DetectorOverrides;
  /** The org's rules; disabled ones are skipped, and their state dropped. */
  rules?: readonly AlertRule[];
}

export interface EngineOptions {
  /**
   * An event received more than this after it occurred is late (an import of old events):
   * sources learn from it (sign-in history) but raise nothing for it. Default one day.
   */
  maxLatenessMs?: number;
}

export const DEFAULT_MAX_LATENESS_MS = 24 * 60 * 60 * 1000;
export const ENGINE_STATE_VERSION = 1;

/** The engine's memory as JSON: what the caller stores and hands back. */
export interface EngineStateJson {
  version: typeof ENGINE_STATE_VERSION;
  /** The highest seq processed: later batches skip events at or below it. 0: none yet. */
  last_seq: number;
  /** Per source (`detector:<id>`, `rule:<id>`), the settings fingerprint it was built with and its state. */
  sources: Record<string, { fingerprint: string; state: unknown }>;
}

/** The engine's memory while it runs: restored from EngineStateJson, updated in place by process(). */
export interface EngineState {
  lastSeq: number;
  /** One per source, in the engine's source order. */
  readonly states: unknown[];
}

/** True for Trailmark's own alert events, which the engine never processes (see above). */
export function isOwnAlertEvent(event: StoredEvent): boolean {
  return event.actor.type === 'system' && event.action.startsWith('alert.');
}

function sourceKey(source: CompiledSource<unknown>['source']): string {
  return `${source.kind}:${source.id}`;
}

interface Route {
  targets: number[];
  /** Whether the action is one Trailmark's own alert events can have (see isOwnAlertEvent). */
  alertAction: boolean;
}

/** Beyond this many distinct actions, the per-action routing cache starts over (a bound, not a change of result). */
const ROUTE_CACHE_LIMIT = 10_000;

export class AlertEngine {
  /** Enabled detectors in DETECTOR_IDS order, then enabled rules by id. */
  readonly sources: readonly CompiledSource<unknown>[];
  private readonly maxLatenessMs: number;
  /** Per action name, the indexes of the sources that admit it. */
  private readonly routes = new Map<string, Route>();

  constructor(config: OrgAlertConfig, options: EngineOptions = {}) {
    this.maxLatenessMs = options.maxLatenessMs ?? DEFAULT_MAX_LATENESS_MS;
    const settings = resolveDetectorSettings(config.detectors);
    const sources: CompiledSource<unknown>[] = [];
    for (const id of DETECTOR_IDS) {
      const detectorSettings = settings[id];
      if (!detectorSettings.enabled) continue;
      // Each definition takes its own settings type; the index pairs them.
      const compile = DETECTORS[id].compile as (s: typeof detectorSettings) => CompiledSource<unknown>;
      sources.push(compile(detectorSettings));
    }
    const rules = [...(config.rules ?? [])].filter((r) => r.enabled).sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const rule of rules) sources.push(compileRule(rule));
    this.sources = sources;
  }

  initialState(): EngineState {
    return { lastSeq: 0, states: this.sources.map((s) => s.initialState()) };
  }

  /**
   * The state stored by snapshot(), for this engine's sources. A source whose settings changed
   * since (another fingerprint), or whose state is missing or unreadable, starts afresh; a
   * state of another version starts afresh whole.
   */
  restore(json: unknown): EngineState {
    const state = this.initialState();
    if (!isRecord(json) || json.version !== ENGINE_STATE_VERSION || !isRecord(json.sources)) return state;
    if (typeof json.last_seq === 'number' && Number.isSafeInteger(json.last_seq))
      state.lastSeq = json.last_seq;
    this.sources.forEach((source, i) => {
      const saved = (json.sources as Record<string, unknown>)[sourceKey(source.source)];
      if (!isRecord(saved) || saved.fingerprint !== source.fingerprint) return;
      const loaded = source.load(saved.state);
      if (loaded !== undefined) state.states[i] = loaded;
    });
    return state;
  }

  snapshot(state: EngineState): EngineStateJson {
    const sources: EngineStateJson['sources'] = {};
    this.sources.forEach((source, i) => {
      sources[sourceKey(source.source)] = {
        fingerprint: source.fingerprint,
        state: source.save(state.states[i]),
      };
    });
    return { version: ENGINE_STATE_VERSION, last_seq: state.lastSeq, sources };
  }

  /**
   * Runs `events` (one org's, in ascending seq order) through every source, updating `state` in
   * place; answers the firings in event order.
   */
  process(state: EngineState, events: readonly StoredEvent[]): Firing[] {
    const firings: Firing[] = [];
    const { sources } = this;
    const states = state.states;
    for (let e = 0; e < events.length; e++) {
      const event = events[e]!;
      if (event.seq <= state.lastSeq) continue;
      state.lastSeq = event.seq;
      const { targets, alertAction } = this.routeOf(event.action);
      if (targets.length === 0 || (alertAction && isOwnAlertEvent(event))) continue;
      const view = new LazyEventView(event, this.maxLatenessMs);
      for (let t = 0; t < targets.length; t++) {
        const i = targets[t]!;
        const result = sources[i]!.step(states[i], view);
        states[i] = result.state;
        const fired = result.firings;
        for (let f = 0; f < fired.length; f++) firings.push(fired[f]!);
      }
    }
    return firings;
  }

  private routeOf(action: string): Route {
    let route = this.routes.get(action);
    if (route === undefined) {
      const targets: number[] = [];
      for (let i = 0; i < this.sources.length; i++) if (this.sources[i]!.admits(action)) targets.push(i);
      route = { targets, alertAction: action.startsWith('alert.') };
      if (this.routes.size >= ROUTE_CACHE_LIMIT) this.routes.clear();
      this.routes.set(action, route);
    }
    return route;
  }
}

/**
 * One batch from stored state to stored state: restore, process, snapshot. For a caller that
 * keeps nothing in memory between batches; one that does reuses an AlertEngine and its
 * EngineState, and snapshots only when it commits.
 */
export function processEvents(
  config: OrgAlertConfig,
  stored: unknown,
  events: readonly StoredEvent[],
  options?: EngineOptions,
): { state: EngineStateJson; firings: Firing[] } {
  const engine = new AlertEngine(config, options);
  const state = engine.restore(stored);
  const firings = engine.process(state, events);
  return { state: engine.snapshot(state), firings };
}
