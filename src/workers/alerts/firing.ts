import { sha256HexOf } from '../../domain/sha256.js';
import type { AlertSource, EventView, Firing, Severity } from './types.js';
import type { WindowHit } from './window-counter.js';

/**
 * Identity of a firing: its source, its group and the seq of the first event it counted. A
 * source never counts an event in two firings of one group, so two firings never share a key;
 * replaying the same events from the same state produces the same key.
 */
export function dedupeKey(source: AlertSource, group: string, firstSeq: number): string {
  return sha256HexOf(`${source.kind}\n${source.id}\n${group}\n${firstSeq}`).slice(0, 32);
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** A span for people: `40 seconds`, `1 minute`, `4.5 minutes`, `90 days`. */
export function duration(ms: number): string {
  const unit = (n: number, name: string) => {
    const rounded = Math.round(n * 10) / 10;
    return `${rounded} ${name}${rounded === 1 ? '' : 's'}`;
  };
  if (ms < 60_000) return unit(ms / 1000, 'second');
  if (ms < 48 * 3_600_000) return unit(ms / 60_000, 'minute');
  return unit(ms / 86_400_000, 'day');
}

export interface FiringText {
  severity: Severity;
  title: string;
  description: string;
  /** List filters; `from` and `to` default to the firing's window. */
  eventFilter?: Record<string, string>;
  details?: Record<string, unknown>;
}

/** A firing for a window of counted events. */
export function windowFiring(source: AlertSource, hit: WindowHit, text: FiringText): Firing {
  return {
    source,
    dedupe_key: dedupeKey(source, hit.group, hit.firstSeq),
    group_key: hit.group,
    window_start: iso(hit.start),
    window_end: iso(hit.end),
    matched_count: hit.count,
    sample_event_ids: hit.sampleIds,
    first_seq: hit.firstSeq,
    last_seq: hit.lastSeq,
    severity: text.severity,
    title: text.title,
    description: text.description,
    event_filter: { from: iso(hit.start), to: iso(hit.end), ...text.eventFilter },
    details: text.details ?? {},
  };
}

/** A firing for one event on its own. */
export function eventFiring(source: AlertSource, group: string, view: EventView, text: FiringText): Firing {
  const { event } = view;
  return windowFiring(
    source,
    {
      group,
      start: view.time,
      end: view.time,
      count: 1,
      sampleIds: [event.id],
      firstSeq: event.seq,
      lastSeq: event.seq,
    },
    text,
  );
}
