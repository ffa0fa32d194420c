/**
 * "N matching events within W", per group (an actor, an IP, a key), as a sliding window.
 *
 * Each group keeps its counted events sorted by time: at most N of them, none older than W
 * before the group's newest. It fires when it holds N, that is N events within W of each other
 * (the window's span is at most W, both ends inclusive); then it forgets them, so the next firing
 * counts only later events, and stays quiet until `cooldown` after the last counted event.
 * Events keep counting while it is quiet: a burst that goes on fires again once the cool-down
 * is over. An event older than W before the group's newest cannot share a window with it and
 * is not counted.
 *
 * Bounds: at most `maxGroups` groups and `maxEntries` counted events in all (each entry is a
 * time, a seq and an event id). A new group first evicts the least recently touched group if
 * that one is stale (its newest event and its quiet time are over W behind the newest time seen),
 * and then, while a bound is reached, the least recently touched groups whatever their age: a
 * flood of distinct groups can make one forget a partial count, never grow without limit.
 */

export interface WindowSpec {
  threshold: number;
  windowMs: number;
  cooldownMs: number;
}

export interface WindowBounds {
  maxGroups: number;
  maxEntries: number;
}

export const DEFAULT_WINDOW_BOUNDS: WindowBounds = { maxGroups: 10_000, maxEntries: 50_000 };

/** A completed count: the events it counted, oldest first. */
export interface WindowHit {
  group: string;
  start: number;
  end: number;
  count: number;
  sampleIds: string[];
  firstSeq: number;
  lastSeq: number;
}

const SAMPLE_SIZE = 10;

interface GroupWindow {
  times: number[];
  seqs: number[];
  ids: string[];
  /** No firing for an event before this time. */
  quietUntil: number;
}

/** Per group in map order: [group, quietUntil (null: never fired), times, seqs, ids]. */
type GroupJson = [string, number | null, number[], number[], string[]];
export interface WindowCounterJson {
  /** The newest event time added (null before the first). */
  newest: number | null;
  groups: GroupJson[];
}

export class WindowCounter {
  /** In order of last use, least recent first: the front is what eviction takes. */
  private readonly groups = new Map<string, GroupWindow>();
  private entries = 0;
  /** The newest event time added: what "stale" is measured against. */
  private newest = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly spec: WindowSpec,
    private readonly bounds: WindowBounds = DEFAULT_WINDOW_BOUNDS,
  ) {}

  get groupCount(): number {
    return this.groups.size;
  }

  get entryCount(): number {
    return this.entries;
  }

  /** Counts one event for `group`; answers the hit when this event completes a window. */
  add(group: string, time: number, seq: number, id: string): WindowHit | undefined {
    if (time > this.newest) this.newest = time;
    let g = this.groups.get(group);
    if (g) {
      this.groups.delete(group);
    } else {
      this.makeRoom();
      g = { times: [], seqs: [], ids: [], quietUntil: Number.NEGATIVE_INFINITY };
    }
    this.groups.set(group, g);

    const { threshold, windowMs } = this.spec;
    const n = g.times.length;
    const newest = n > 0 && g.times[n - 1]! > time ? g.times[n - 1]! : time;
    if (time < newest - windowMs) return undefined;
    this.insert(g, time, seq, id);
    // Forget what fell out of the window and, past N, the oldest.
    let drop = 0;
    while (drop < g.times.length && g.times[drop]! < newest - windowMs) drop++;
    drop = Math.max(drop, g.times.length - threshold);
    if (drop > 0) this.dropOldest(g, drop);
    if (this.entries > this.bounds.maxEntries) this.evictUntilWithinBounds(group);

    if (g.times.length < threshold || time < g.quietUntil) return undefined;
    const hit: WindowHit = {
      group,
      start: g.times[0]!,
      end: g.times[g.times.length - 1]!,
      count: g.times.length,
      sampleIds: g.ids.slice(0, SAMPLE_SIZE),
      firstSeq: Math.min(...g.seqs),
      lastSeq: Math.max(...g.seqs),
    };
    g.quietUntil = hit.end + this.spec.cooldownMs;
    this.dropOldest(g, g.times.length);
    return hit;
  }

  /** Keeps times sorted; events mostly arrive in time order, so this is mostly a push. */
  private insert(g: GroupWindow, time: number, seq: number, id: string): void {
    let at = g.times.length;
    while (at > 0 && g.times[at - 1]! > time) at--;
    if (at === g.times.length) {
      g.times.push(time);
      g.seqs.push(seq);
      g.ids.push(id);
    } else {
      g.times.splice(at, 0, time);
      g.seqs.splice(at, 0, seq);
      g.ids.splice(at, 0, id);
    }
    this.entries += 1;
  }

  private dropOldest(g: GroupWindow, count: number): void {
    g.times.splice(0, count);
    g.seqs.splice(0, count);
    g.ids.splice(0, count);
    this.entries -= count;
  }

  private isStale(g: GroupWindow): boolean {
    const last = g.times.length ? g.times[g.times.length - 1]! : Number.NEGATIVE_INFINITY;
    const horizon = this.newest - this.spec.windowMs;
    return last < horizon && g.quietUntil < horizon;
  }

  private evictFront(): void {
    const [key, g] = this.groups.entries().next().value as [string, GroupWindow];
    this.groups.delete(key);
    this.entries -= g.times.length;
  }

  /** Before a new group: one stale group goes if there is one; then whatever the bounds need. */
  private makeRoom(): void {
    const front = this.groups.values().next();
    if (!front.done && this.isStale(front.value)) this.evictFront();
    while (this.groups.size >= this.bounds.maxGroups || this.entries >= this.bounds.maxEntries) {
      if (this.groups.size === 0) return;
      this.evictFront();
    }
  }

  private evictUntilWithinBounds(keep: string): void {
    while (this.entries > this.bounds.maxEntries && this.groups.size > 1) {
      const key = this.groups.keys().next().value as string;
      if (key === keep) return;
      this.evictFront();
    }
  }

  /** A copy: later additions do not change it. */
  toJSON(): WindowCounterJson {
    const groups: GroupJson[] = [];
    for (const [key, g] of this.groups) {
      groups.push([
        key,
        g.quietUntil === Number.NEGATIVE_INFINITY ? null : g.quietUntil,
        [...g.times],
        [...g.seqs],
        [...g.ids],
      ]);
    }
    return { newest: this.newest === Number.NEGATIVE_INFINITY ? null : this.newest, groups };
  }

  /** Rebuilds a counter from toJSON()'s output; undefined if `json` is not that shape. */
  static fromJSON(json: unknown, spec: WindowSpec, bounds?: WindowBounds): WindowCounter | undefined {
    if (!isRecord(json) || !Array.isArray(json.groups)) return undefined;
    if (!(json.newest === null || typeof json.newest === 'number')) return undefined;
    const counter = new WindowCounter(spec, bounds);
    counter.newest = json.newest ?? Number.NEGATIVE_INFINITY;
    for (const item of json.groups as unknown[]) {
      if (!Array.isArray(item) || item.length !== 5) return undefined;
      const [key, quiet, times, seqs, ids] = item as unknown[];
      if (typeof key !== 'string' || !(quiet === null || typeof quiet === 'number')) return undefined;
      if (!isNumbers(times) || !isNumbers(seqs) || !isStrings(ids)) return undefined;
      if (times.length !== seqs.length || times.length !== ids.length) return undefined;
      counter.groups.set(key, {
        times: [...times],
        seqs: [...seqs],
        ids: [...ids],
        quietUntil: quiet ?? Number.NEGATIVE_INFINITY,
      });
      counter.entries += times.length;
    }
    return counter;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

export function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
