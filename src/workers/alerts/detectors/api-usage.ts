import { Type } from '@sinclair/typebox';
import { isRecord, KEEP_FRACTION, keepMostRecent } from '../bounded-map.js';
import { duration, iso, windowFiring } from '../firing.js';
import { type CompiledSource, NO_FIRINGS } from '../types.js';
import { isNumbers, isStrings } from '../window-counter.js';
import { type DetectorDefinition, detectorSettings, MINUTE_MS, setting } from './definition.js';

const settings = detectorSettings(true, 'medium', {
  window_minutes: Type.Integer({
    minimum: 1,
    maximum: 60,
    default: 1,
    description: 'Length of the windows requests are counted in',
  }),
  factor: Type.Number({
    minimum: 1.5,
    maximum: 1000,
    default: 10,
    description: "How many times the key's baseline a window must exceed",
  }),
  floor: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: 100,
    description: 'Requests a window must exceed whatever the baseline',
  }),
  history_windows: Type.Integer({
    minimum: 2,
    maximum: 1440,
    default: 15,
    description: 'Windows the baseline averages over',
  }),
  min_history_windows: Type.Integer({
    minimum: 1,
    maximum: 1440,
    default: 5,
    description: 'Windows of history a key needs before it can raise an alert',
  }),
  cooldown_minutes: setting.cooldownMinutes(10),
});

/** At most this many keys per org: at the bound, the least recently used go, down to 80% of it. */
const MAX_KEYS = 5000;
const SAMPLE_SIZE = 10;

/** Per key: the current window, its count so far and the counts of the windows before it. */
interface KeyUsage {
  /** Index of the current window (time / window length). */
  window: number;
  count: number;
  /** Counts of the windows before the current one, oldest first, at most history_windows. */
  history: number[];
  sampleIds: string[];
  firstSeq: number;
  firstTime: number;
  /** No alert before this window index. */
  quietUntil: number;
  /** The state's tick at the key's last request (for eviction). */
  touched: number;
}

interface Usage {
  tick: number;
  keys: Map<string, KeyUsage>;
}

/** [key, window, count, history, sampleIds, firstSeq, firstTime, quietUntil, touched] */
type KeyJson = [string, number, number, number[], string[], number, number, number, number];

/**
 * Unusual API usage: a key's request count in the current window above `factor` times its own
 * baseline (the mean count of its previous `history_windows` windows, empty windows counting as
 * zero) and above `floor`, once the key has `min_history_windows` windows of history (measured
 * from its first request, so a new key is quiet at first). It fires as soon as the count
 * crosses, not at the window's end; the window is then quiet, and so is the cool-down after it.
 *
 * Only request log entries (events with a `request` block) count. The key is the actor's id
 * when the actor is an API key, else the entry's `api_key_last4` (see apiKeyGroup); entries
 * with neither are not counted. An entry that arrives after its window has closed is added to
 * that window's count in the history, when it is still there.
 *
 * A key used in scheduled bursts (a nightly batch) looks unusual to a baseline of minutes: such
 * an org raises `floor` or `history_windows`.
 */
export const apiUsageSpike: DetectorDefinition<typeof settings> = {
  id: 'api_usage_spike',
  name: 'Unusual API usage',
  description: "An API key's request rate far above its own recent baseline",
  settings,
  defaults: {
    enabled: true,
    severity: 'medium',
    window_minutes: 1,
    factor: 10,
    floor: 100,
    history_windows: 15,
    min_history_windows: 5,
    cooldown_minutes: 10,
  },
  compile(s) {
    const source = { kind: 'detector', id: 'api_usage_spike' } as const;
    const windowMs = s.window_minutes * MINUTE_MS;
    const quietWindows = Math.max(1, Math.ceil((s.cooldown_minutes * MINUTE_MS) / windowMs));
    const minHistory = Math.min(s.min_history_windows, s.history_windows);

    const roll = (usage: KeyUsage, window: number): void => {
      const gap = window - usage.window;
      usage.history.push(usage.count);
      for (let i = 1; i < Math.min(gap, s.history_windows + 1); i++) usage.history.push(0);
      if (usage.history.length > s.history_windows)
        usage.history.splice(0, usage.history.length - s.history_windows);
      usage.window = window;
      usage.count = 0;
      usage.sampleIds = [];
    };

    const compiled: CompiledSource<Usage> = {
      source,
      fingerprint: JSON.stringify([windowMs, s.history_windows]),
      admits: () => true,
      initialState: () => ({ tick: 0, keys: new Map() }),
      step(state, view) {
        const { event } = view;
        if (!event.request) return { state, firings: NO_FIRINGS };
        const key = view.apiKey;
        if (key === undefined || !view.live) return { state, firings: NO_FIRINGS };
        const window = Math.floor(view.time / windowMs);
        const { keys } = state;
        let usage = keys.get(key);
        if (!usage) {
          if (keys.size >= MAX_KEYS) keepMostRecent(keys, Math.floor(MAX_KEYS * KEEP_FRACTION));
          usage = {
            window,
            count: 0,
            history: [],
            sampleIds: [],
            firstSeq: 0,
            firstTime: 0,
            quietUntil: 0,
            touched: 0,
          };
          keys.set(key, usage);
        }
        state.tick += 1;
        usage.touched = state.tick;

        if (window < usage.window) {
          const at = usage.history.length - (usage.window - window);
          if (at >= 0) usage.history[at]! += 1;
          return { state, firings: NO_FIRINGS };
        }
        if (window > usage.window) roll(usage, window);
        usage.count += 1;
        if (usage.count === 1) {
          usage.firstSeq = event.seq;
          usage.firstTime = view.time;
        }
        if (usage.sampleIds.length < SAMPLE_SIZE) usage.sampleIds.push(event.id);

        if (usage.count <= s.floor || window < usage.quietUntil || usage.history.length < minHistory) {
          return { state, firings: NO_FIRINGS };
        }
        let sum = 0;
        for (const n of usage.history) sum += n;
        const baseline = sum / usage.history.length;
        if (usage.count <= s.factor * baseline) return { state, firings: NO_FIRINGS };

        usage.quietUntil = window + quietWindows;
        const shownBaseline = Math.round(baseline * 10) / 10;
        const label = key.startsWith('key:') ? `API key ${key.slice(4)}` : `API key …${key.slice(6)}`;
        const firing = windowFiring(
          source,
          {
            group: key,
            start: usage.firstTime,
            end: view.time,
            count: usage.count,
            sampleIds: [...usage.sampleIds],
            firstSeq: usage.firstSeq,
            lastSeq: event.seq,
          },
          {
            severity: s.severity,
            title: `Unusual API usage by ${label}`,
            description:
              `${label} made ${usage.count} requests in ${duration(windowMs)} ` +
              `(from ${iso(window * windowMs)}), against a baseline of ${shownBaseline} over the ` +
              `${usage.history.length} windows before: it may have leaked.`,
            eventFilter: key.startsWith('key:')
              ? { kind: 'request', actor: key.slice(4) }
              : { kind: 'request' },
            details: { api_key: key, baseline, window_minutes: s.window_minutes },
          },
        );
        return { state, firings: [firing] };
      },
      save(state) {
        const keys: KeyJson[] = [];
        for (const [key, u] of state.keys) {
          keys.push([
            key,
            u.window,
            u.count,
            [...u.history],
            [...u.sampleIds],
            u.firstSeq,
            u.firstTime,
            u.quietUntil,
            u.touched,
          ]);
        }
        return { tick: state.tick, keys };
      },
      load(json) {
        if (!isRecord(json) || typeof json.tick !== 'number' || !Array.isArray(json.keys)) return undefined;
        const keys = new Map<string, KeyUsage>();
        for (const item of json.keys as unknown[]) {
          if (!Array.isArray(item) || item.length !== 9 || typeof item[0] !== 'string') return undefined;
          const [key, window, count, history, sampleIds, firstSeq, firstTime, quietUntil, touched] =
            item as unknown[];
          if (!isNumbers([window, count, firstSeq, firstTime, quietUntil, touched])) return undefined;
          if (!isNumbers(history) || !isStrings(sampleIds)) return undefined;
          keys.set(key as string, {
            window: window as number,
            count: count as number,
            history: [...history],
            sampleIds: [...sampleIds],
            firstSeq: firstSeq as number,
            firstTime: firstTime as number,
            quietUntil: quietUntil as number,
            touched: touched as number,
          });
        }
        return { tick: json.tick, keys };
      },
    };
    return compiled as CompiledSource<unknown>;
  },
};
