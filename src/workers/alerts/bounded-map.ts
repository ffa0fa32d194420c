/**
 * Eviction for the engine's per-group maps. Entries record when they were last touched as a
 * tick (a counter the owner increments, so ticks are distinct) instead of moving to the end of
 * the map on each use: V8 leaves a deleted Map entry in place until the table is rebuilt, so
 * the delete-and-set idiom of an LRU map makes each look at the map's front walk past the holes
 * (15 µs an operation at 10,000 entries). Instead, once a map reaches its bound, it is cut back
 * to a fraction of it in one pass, its ticks sorted as numbers (no comparison callback): about
 * O(n log n) once every n/5 insertions.
 */

export interface Touched {
  touched: number;
}

/** The share of its bound a full map is cut back to. */
export const KEEP_FRACTION = 0.8;

/** Removes entries for which `isStale` holds. */
export function removeStale<V>(
  map: Map<string, V>,
  isStale: (value: V) => boolean,
  removed?: (value: V) => void,
): void {
  for (const [key, value] of map) {
    if (isStale(value)) {
      map.delete(key);
      removed?.(value);
    }
  }
}

/** The map's ticks, ascending. */
function sortedTicks<V extends Touched>(map: Map<string, V>): Float64Array {
  const ticks = new Float64Array(map.size);
  let i = 0;
  for (const value of map.values()) ticks[i++] = value.touched;
  return ticks.sort();
}

/** Keeps the `keep` most recently touched entries (and `spare`, whatever its age), removing the others. */
export function keepMostRecent<V extends Touched>(
  map: Map<string, V>,
  keep: number,
  removed?: (value: V) => void,
  spare?: string,
): void {
  const excess = map.size - keep;
  if (excess <= 0) return;
  const ticks = sortedTicks(map);
  let limit = ticks[excess - 1]!;
  const spared = spare === undefined ? undefined : map.get(spare);
  if (spared && spared.touched <= limit && excess < ticks.length) limit = ticks[excess]!;
  for (const [key, value] of map) {
    if (value.touched <= limit && key !== spare) {
      map.delete(key);
      removed?.(value);
    }
  }
}

/**
 * Removes the least recently touched entries (never `spare`) until `enough()` says so; for a
 * bound on what the entries hold rather than on their number.
 */
export function removeLeastRecentUntil<V extends Touched>(
  map: Map<string, V>,
  enough: () => boolean,
  removed?: (value: V) => void,
  spare?: string,
): void {
  const keyOf = new Map<number, string>();
  for (const [key, value] of map) keyOf.set(value.touched, key);
  for (const tick of sortedTicks(map)) {
    if (enough()) return;
    const key = keyOf.get(tick)!;
    if (key === spare) continue;
    const value = map.get(key)!;
    map.delete(key);
    removed?.(value);
  }
}

/**
 * The clock an owner of such a map keeps (SeenHistory, WindowCounter): the newest event time
 * seen, which staleness is measured against; when stale entries are next swept, in event time;
 * and the tick that entries are touched with.
 */
export class SweepClock {
  newest = Number.NEGATIVE_INFINITY;
  sweepAt = Number.NEGATIVE_INFINITY;
  tick = 0;

  /**
   * Moves the clock on to an event at `time`; true when a sweep is due, the next one then being
   * `every` ms of event time later.
   */
  advance(time: number, every: number): boolean {
    if (time > this.newest) this.newest = time;
    if (this.newest < this.sweepAt) return false;
    this.sweepAt = this.newest + every;
    return true;
  }

  /** The next tick, for an entry being touched. */
  next(): number {
    this.tick += 1;
    return this.tick;
  }

  /** The members of the owner's JSON that are the clock's (null for a time not yet set). */
  toJSON(): { newest: number | null; sweepAt: number | null; tick: number } {
    return { newest: orNull(this.newest), sweepAt: orNull(this.sweepAt), tick: this.tick };
  }

  /** The clock from the owner's JSON, or undefined when its members are not toJSON()'s. */
  static fromJSON(json: Record<string, unknown>): SweepClock | undefined {
    const { newest, sweepAt, tick } = json;
    if (!isNumberOrNull(newest) || !isNumberOrNull(sweepAt) || typeof tick !== 'number') return undefined;
    const clock = new SweepClock();
    clock.newest = newest ?? Number.NEGATIVE_INFINITY;
    clock.sweepAt = sweepAt ?? Number.NEGATIVE_INFINITY;
    clock.tick = tick;
    return clock;
  }
}

/** A time as JSON holds it: null for one not set (an infinity). */
export const orNull = (n: number) => (Number.isFinite(n) ? n : null);

export function isNumberOrNull(value: unknown): value is number | null {
  return value === null || typeof value === 'number';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The clock and the entries of an owner's JSON as its toJSON() wrote them: the clock's members
 * beside `list`, an array of tuples of `width` members each. Undefined when the JSON is not that
 * shape; what each tuple holds is for the owner to check.
 */
export function clockAndTuples(
  json: unknown,
  list: string,
  width: number,
): { clock: SweepClock; tuples: unknown[][] } | undefined {
  if (!isRecord(json)) return undefined;
  const tuples = json[list];
  if (!Array.isArray(tuples)) return undefined;
  const clock = SweepClock.fromJSON(json);
  if (!clock) return undefined;
  for (const tuple of tuples as unknown[]) {
    if (!Array.isArray(tuple) || tuple.length !== width) return undefined;
  }
  return { clock, tuples: tuples as unknown[][] };
}
