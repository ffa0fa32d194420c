import { isRecord } from './window-counter.js';

/**
 * Per actor, the values (countries, IP addresses) seen with their sign-ins and when each was
 * last seen; a value not seen for `lookbackMs` is forgotten.
 *
 * Bounds: at most `maxActors` actors and `maxPerActor` values per actor. A new actor first
 * evicts the least recently active one if all its values are past the lookback, then, at the
 * bound, the least recently active whatever its age; an actor over `maxPerActor` values forgets
 * the one it saw longest ago. An evicted actor counts as never seen: its next sign-in is
 * learned, not reported.
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

/** Values and last-seen times, interleaved: [value, time, value, time, ...]. */
type Seen = Array<string | number>;

export interface SeenHistoryJson {
  newest: number | null;
  actors: Array<[string, Seen]>;
}

export class SeenHistory {
  /** In order of last activity, least recent first. */
  private readonly actors = new Map<string, Seen>();
  private newest = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly lookbackMs: number,
    private readonly bounds: SeenBounds,
  ) {}

  get actorCount(): number {
    return this.actors.size;
  }

  /** Records that `actor` was seen with `value` at `time`, and says whether that was new. */
  observe(actor: string, value: string, time: number): Observation {
    if (time > this.newest) this.newest = time;
    let seen = this.actors.get(actor);
    if (seen) this.actors.delete(actor);
    else {
      this.makeRoom();
      seen = [];
    }
    this.actors.set(actor, seen);

    // Values past the lookback of the newest time seen are forgotten as the actor is touched.
    const forgetBefore = this.newest - this.lookbackMs;
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
      if (seen.length >= this.bounds.maxPerActor * 2) this.forgetOldestValue(seen);
      seen.push(value, time);
    }
    return { isNew, known };
  }

  private forgetOldestValue(seen: Seen): void {
    let oldest = 0;
    for (let i = 2; i < seen.length; i += 2) {
      if ((seen[i + 1] as number) < (seen[oldest + 1] as number)) oldest = i;
    }
    seen.splice(oldest, 2);
  }

  private makeRoom(): void {
    const front = this.actors.entries().next();
    if (!front.done) {
      const [key, seen] = front.value;
      const horizon = this.newest - this.lookbackMs;
      let stale = true;
      for (let i = 1; i < seen.length; i += 2) if ((seen[i] as number) >= horizon) stale = false;
      if (stale) this.actors.delete(key);
    }
    while (this.actors.size >= this.bounds.maxActors) {
      this.actors.delete(this.actors.keys().next().value as string);
    }
  }

  /** A copy: later observations do not change it. */
  toJSON(): SeenHistoryJson {
    return {
      newest: this.newest === Number.NEGATIVE_INFINITY ? null : this.newest,
      actors: [...this.actors].map(([actor, seen]) => [actor, [...seen]]),
    };
  }

  static fromJSON(json: unknown, lookbackMs: number, bounds: SeenBounds): SeenHistory | undefined {
    if (!isRecord(json) || !Array.isArray(json.actors)) return undefined;
    if (!(json.newest === null || typeof json.newest === 'number')) return undefined;
    const history = new SeenHistory(lookbackMs, bounds);
    history.newest = json.newest ?? Number.NEGATIVE_INFINITY;
    for (const item of json.actors as unknown[]) {
      if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string') return undefined;
      const seen = item[1] as unknown;
      if (!Array.isArray(seen) || seen.length % 2 !== 0) return undefined;
      for (let i = 0; i < seen.length; i += 2) {
        if (typeof seen[i] !== 'string' || typeof seen[i + 1] !== 'number') return undefined;
      }
      history.actors.set(item[0], [...(seen as Seen)]);
    }
    return history;
  }
}
