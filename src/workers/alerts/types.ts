import { type TLiteral, type TUnion, Type } from '@sinclair/typebox';
import type { StoredEvent } from '../../domain/event.js';

/**
 * The shapes shared by the alert engine's parts. The engine is pure: no I/O, no clock (time
 * comes from the events), no randomness; what it remembers is a JSON value its caller stores.
 */

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SeveritySchema = Type.Union(SEVERITIES.map((s) => Type.Literal(s))) as unknown as TUnion<
  TLiteral<Severity>[]
>;

export const DETECTOR_IDS = [
  'failed_login_spike',
  'new_country_sign_in',
  'new_ip_sign_in',
  'api_key_created',
  'role_changed',
  'member_removed',
  'bulk_deletion',
  'api_usage_spike',
] as const;
export type DetectorId = (typeof DETECTOR_IDS)[number];

/** What fired: a built-in detector or an org's custom rule (by the rule's id). */
export type AlertSource = { kind: 'detector'; id: DetectorId } | { kind: 'rule'; id: string };

/**
 * One alert to store. Two firings with the same `dedupe_key` are the same alert (the engine
 * produces the same key when it processes the same events again from the same state), so a
 * unique index on (org, dedupe_key) makes storing them idempotent.
 */
export interface Firing {
  source: AlertSource;
  /** 32 hex characters: sha256 of the source, the group and the first counted event's seq. */
  dedupe_key: string;
  /** What the source counts per (`actor:u_1`, `ip:203.0.113.7`, `key:key_1`); `*` when ungrouped. */
  group_key: string;
  /** ISO times of the first and last counted event (occurred_at). */
  window_start: string;
  window_end: string;
  matched_count: number;
  /** Ids of the first (oldest) counted events, at most 10. */
  sample_event_ids: string[];
  /** Smallest and largest seq among the counted events. */
  first_seq: number;
  last_seq: number;
  severity: Severity;
  title: string;
  description: string;
  /**
   * Query parameters of `GET /v1/events` that list the counted events, or a superset of them
   * when the source matches what a list filter cannot say (`*.login_failed`, a country).
   */
  event_filter: Record<string, string>;
  /** Facts particular to the source (the new country, the baseline), for the alert's record. */
  details: Record<string, unknown>;
}

/**
 * One event as the engine's sources see it: the stored event plus what they derive from it,
 * each worked out at most once and only when a source asks.
 */
export interface EventView {
  readonly event: StoredEvent;
  /** occurred_at in epoch milliseconds: the time windows are measured in. */
  readonly time: number;
  /**
   * False for an event that arrived long after it occurred (an import of old events): sources
   * learn from it (sign-in history) but raise nothing for it.
   */
  readonly live: boolean;
  /** The canonical IP address (as the `ip` filter compares), if the event has one. */
  readonly ip: string | undefined;
  /** Which API key made a request, as a group key (see apiKeyGroup in event-view.ts). */
  readonly apiKey: string | undefined;
  /** How to name the actor to a person: email, else name, else id. */
  readonly actorLabel: string;
}

/** A source's contribution for one event: its state (possibly the same object, updated) and what fired. */
export interface StepResult<S> {
  state: S;
  firings: Firing[];
}

/**
 * A detector or rule with its settings applied. `step` is deterministic: the same state and
 * event give the same result; it may update `state` in place and returns it. `admits` depends
 * on the action alone, so the engine can remember its answer per action name.
 */
export interface CompiledSource<S> {
  readonly source: AlertSource;
  /** The settings that shape the state: when it changes, the stored state is discarded. */
  readonly fingerprint: string;
  admits(action: string): boolean;
  initialState(): S;
  step(state: S, view: EventView): StepResult<S>;
  /** The state as JSON, and back; `load` answers undefined for anything it does not recognise. */
  save(state: S): unknown;
  load(json: unknown): S | undefined;
}

/** A frozen empty list: most steps fire nothing, and need not allocate to say so. */
export const NO_FIRINGS: Firing[] = Object.freeze([]) as unknown as Firing[];
