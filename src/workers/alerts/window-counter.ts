import {
  clockAndTuples,
  isNumberOrNull,
  KEEP_FRACTION,
  keepMostRecent,
  orNull,
  removeLeastRecentUntil,
  removeStale,
  SweepClock,
} from './bounded-map.js';

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
 * time, a seq and an event id). Stale groups (their newest event and their quiet time over W
 * behind the newest time seen) are dropped once per W of event time. A bound reached drops the
 * stale groups, then the least recently used ones until 80% of the bound is left: a flood of
 * distinct groups can make one forget a partial count, never grow without limit.
 */

export interface WindowSpec {
  threshold: number;
  windowMs: number;
  cooldownMs: number;
  /**
   * Put before a key to make the hit's group (`actor:` + `u_1`): keys are counted bare, so that
   * counting an event looks a group up by a string the event already holds, not a new one.
   */
  groupPrefix?: string;
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

/**
 * A group's counted events are `times[head..]`, `seqs[head..]`, `ids[head..]`: dropping the
 * oldest moves `head` instead of shifting the arrays, which are compacted once half of them is
 * dropped (a full window of 1,000 sliding by one event would otherwise copy 1,000 entries).
 */
interface GroupWindow {
  head: number;
  times: number[];
  seqs: number[];
  ids: string[];
  /** No firing for an event before this time. */
  quietUntil: number;
  /** The counter's tick when the group last counted an event (for eviction). */
  touched: number;
}

/** Per group in map order: [group, quietUntil (null: never fired), touched, times, seqs, ids]. */
type GroupJson = [string, number | null, number, number[], number[], string[]];
export interface WindowCounterJson {
  /** The newest event time added (null before the first). */
  newest: number | null;
  /** When stale groups are next dropped (null: at the next event). */
  sweepAt: number | null;
  tick: number;
  groups: GroupJson[];
}

export class WindowCounter {
  private readonly groups = new Map<string, GroupWindow>();
  private entries = 0;
  private clock = new SweepClock();

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
    if (this.clock.advance(time, this.spec.windowMs)) removeStale(this.groups, this.isStale, this.forget);
    let g = this.groups.get(group);
    if (!g) {
      if (this.groups.size >= this.bounds.maxGroups || this.entries >= this.bounds.maxEntries) this.cutBack();
      g = { head: 0, times: [], seqs: [], ids: [], quietUntil: Number.NEGATIVE_INFINITY, touched: 0 };
      this.groups.set(group, g);
    }
    g.touched = this.clock.next();

    const { threshold, windowMs } = this.spec;
    const last = g.times.length - 1;
    const newest = last >= g.head && g.times[last]! > time ? g.times[last]! : time;
    if (time < newest - windowMs) return undefined;
    this.insert(g, time, seq, id);
    // Forget what fell out of the window and, past N, the oldest.
    let head = g.head;
    while (head < g.times.length && g.times[head]! < newest - windowMs) head++;
    head = Math.max(head, g.times.length - threshold);
    if (head > g.head) this.dropOldest(g, head - g.head);
    if (this.entries > this.bounds.maxEntries) this.cutBack(group);

    const count = g.times.length - g.head;
    if (count < threshold || time < g.quietUntil) return undefined;
    let firstSeq = g.seqs[g.head]!;
    let lastSeq = firstSeq;
    for (let i = g.head + 1; i < g.seqs.length; i++) {
      const s = g.seqs[i]!;
      if (s < firstSeq) firstSeq = s;
      if (s > lastSeq) lastSeq = s;
    }
    const hit: WindowHit = {
      group: (this.spec.groupPrefix ?? '') + group,
      start: g.times[g.head]!,
      end: g.times[g.times.length - 1]!,
      count,
      sampleIds: g.ids.slice(g.head, g.head + SAMPLE_SIZE),
      firstSeq,
      lastSeq,
    };
    g.quietUntil = hit.end + this.spec.cooldownMs;
    this.entries -= count;
    g.head = 0;
    g.times = [];
    g.seqs = [];
    g.ids = [];
    return hit;
  }

  /** Keeps times sorted; events mostly arrive in time order, so this is mostly a push. */
  private insert(g: GroupWindow, time: number, seq: number, id: string): void {
    let at = g.times.length;
    while (at > g.head && g.times[at - 1]! > time) at--;
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
    g.head += count;
    this.entries -= count;
    if (g.head >= 16 && g.head * 2 >= g.times.length) {
      g.times.splice(0, g.head);
      g.seqs.splice(0, g.head);
      g.ids.splice(0, g.head);
      g.head = 0;
    }
  }

  private readonly isStale = (g: GroupWindow): boolean => {
    const last = g.times.length > g.head ? g.times[g.times.length - 1]! : Number.NEGATIVE_INFINITY;
    const horizon = this.clock.newest - this.spec.windowMs;
    return last < horizon && g.quietUntil < horizon;
  };

  private readonly forget = (g: GroupWindow): void => {
    this.entries -= g.times.length - g.head;
  };

  /** At a bound: the stale groups go, then the least recently used down to 80% of each bound. */
  private cutBack(spare?: string): void {
    removeStale(this.groups, this.isStale, this.forget);
    keepMostRecent(this.groups, Math.floor(this.bounds.maxGroups * KEEP_FRACTION), this.forget, spare);
    const entryGoal = Math.floor(this.bounds.maxEntries * KEEP_FRACTION);
    if (this.entries > entryGoal) {
      removeLeastRecentUntil(this.groups, () => this.entries <= entryGoal, this.forget, spare);
    }
  }

  /** A copy: later additions do not change it. */
  toJSON(): WindowCounterJson {
    const groups: GroupJson[] = [];
    for (const [key, g] of this.groups) {
      const { head } = g;
      groups.push([
        key,
        orNull(g.quietUntil),
        g.touched,
        g.times.slice(head),
        g.seqs.slice(head),
        g.ids.slice(head),
      ]);
    }
    return { ...this.clock.toJSON(), groups };
  }

  /** Rebuilds a counter from toJSON()'s output; undefined if `json` is not that shape. */
  static fromJSON(json: unknown, spec: WindowSpec, bounds?: WindowBounds): WindowCounter | undefined {
    const saved = clockAndTuples(json, 'groups', 6);
    if (!saved) return undefined;
    const counter = new WindowCounter(spec, bounds);
    counter.clock = saved.clock;
    for (const [key, quiet, touched, times, seqs, ids] of saved.tuples) {
      if (typeof key !== 'string' || !isNumberOrNull(quiet) || typeof touched !== 'number') return undefined;
      if (!isNumbers(times) || !isNumbers(seqs) || !isStrings(ids)) return undefined;
      if (times.length !== seqs.length || times.length !== ids.length) return undefined;
      counter.groups.set(key, {
        head: 0,
        times: [...times],
        seqs: [...seqs],
        ids: [...ids],
        quietUntil: quiet ?? Number.NEGATIVE_INFINITY,
        touched,
      });
      counter.entries += times.length;
    }
    return counter;
  }
}

export function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

export function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
