import { clockAndTuples, KEEP_FRACTION, keepMostRecent, removeStale, SweepClock } from './bounded-map.js';

/**
 * Per actor, the values (countries, IP addresses) seen with their sign-ins and when each was
 * last seen; a value not seen for `lookbackMs` is forgotten.
 *
 * Bounds: at most `maxActors` actors and `maxPerActor` values per actor. Actors with nothing
 * left within the lookback are dropped once a day of event time; at the bound, those and then
 * the least recently active go, down to 80% of it. An actor over `maxPerActor` values forgets
 * the one it saw longest ago. A dropped actor counts as never seen: its next sign-in is learned,
 * not reported.
 */

export interface SeenBounds {
  maxActors: number;
  maxPerActor: number;
}

export interface Observation {
  /** True when the value is not among the actor's values of the lookback period. */
  isNew: boolean;
  /** The actor's other values still within the lookback, before this one was added. */
  known: string[];
}

interface ActorSeen {
  /** Values and last-seen times, interleaved: [value, time, value, time, ...]. */
  seen: Array<string | number>;
  /** The history's tick at the actor's last sign-in (for eviction). */
  touched: number;
}

export interface SeenHistoryJson {
  newest: number | null;
  sweepAt: number | null;
  tick: number;
  /** Per actor in map order: [actor, touched, [value, time, ...]]. */
  actors: Array<[string, number, Array<string | number>]>;
}

const SWEEP_EVERY_MS = 24 * 60 * 60 * 1000;

export class SeenHistory {
  private readonly actors = new Map<string, ActorSeen>();
  private clock = new SweepClock();

  constructor(
    private readonly lookbackMs: number,
    private readonly bounds: SeenBounds,
  ) {}

  get actorCount(): number {
    return this.actors.size;
  }

  /** Records that `actor` was seen with `value` at `time`, and says whether that was new. */
  observe(actor: string, value: string, time: number): Observation {
    if (this.clock.advance(time, Math.min(this.lookbackMs, SWEEP_EVERY_MS))) {
      removeStale(this.actors, this.isStale);
    }
    let entry = this.actors.get(actor);
    if (!entry) {
      if (this.actors.size >= this.bounds.maxActors) {
        removeStale(this.actors, this.isStale);
        keepMostRecent(this.actors, Math.floor(this.bounds.maxActors * KEEP_FRACTION));
      }
      entry = { seen: [], touched: 0 };
      this.actors.set(actor, entry);
    }
    entry.touched = this.clock.next();
    const { seen } = entry;

    // Values past the lookback of the newest time seen are forgotten as the actor is touched.
    const forgetBefore = this.clock.newest - this.lookbackMs;
    for (let i = seen.length - 2; i >= 0; i -= 2) {
      if ((seen[i + 1] as number) < forgetBefore) seen.splice(i, 2);
    }
    const horizon = time - this.lookbackMs;
    const known: string[] = [];
    let at = -1;
    for (let i = 0; i < seen.length; i += 2) {
      if (seen[i] === value) at = i;
      else if ((seen[i + 1] as number) >= horizon) known.push(seen[i] as string);
    }
    const isNew = at < 0 || (seen[at + 1] as number) < horizon;
    if (at >= 0) {
      if ((seen[at + 1] as number) < time) seen[at + 1] = time;
    } else {
      if (seen.length >= this.bounds.maxPerActor * 2) forgetOldestValue(seen);
      seen.push(value, time);
    }
    return { isNew, known };
  }

  private readonly isStale = (entry: ActorSeen): boolean => {
    const horizon = this.clock.newest - this.lookbackMs;
    for (let i = 1; i < entry.seen.length; i += 2) if ((entry.seen[i] as number) >= horizon) return false;
    return true;
  };

  /** A copy: later observations do not change it. */
  toJSON(): SeenHistoryJson {
    const actors: SeenHistoryJson['actors'] = [];
    for (const [actor, entry] of this.actors) actors.push([actor, entry.touched, [...entry.seen]]);
    return { ...this.clock.toJSON(), actors };
  }

  static fromJSON(json: unknown, lookbackMs: number, bounds: SeenBounds): SeenHistory | undefined {
    const saved = clockAndTuples(json, 'actors', 3);
    if (!saved) return undefined;
    const history = new SeenHistory(lookbackMs, bounds);
    history.clock = saved.clock;
    for (const [actor, touched, seen] of saved.tuples) {
      if (typeof actor !== 'string' || typeof touched !== 'number') return undefined;
      if (!Array.isArray(seen) || seen.length % 2 !== 0) return undefined;
      for (let i = 0; i < seen.length; i += 2) {
        if (typeof seen[i] !== 'string' || typeof seen[i + 1] !== 'number') return undefined;
      }
      history.actors.set(actor, { seen: [...(seen as Array<string | number>)], touched });
    }
    return history;
  }
}

function forgetOldestValue(seen: Array<string | number>): void {
  let oldest = 0;
  for (let i = 2; i < seen.length; i += 2) {
    if ((seen[i + 1] as number) < (seen[oldest + 1] as number)) oldest = i;
  }
  seen.splice(oldest, 2);
}
