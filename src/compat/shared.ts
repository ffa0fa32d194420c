import { isIP } from 'node:net';
import { ACTION_PATTERN, ACTOR_TYPES } from '../contracts/event-schema.js';
import type { Actor } from '../domain/event.js';

/**
 * What both compatible APIs do alike when they turn another product's event into a Trailmark
 * event: Trailmark's closed lists and patterns are narrower than theirs, so a value outside them
 * is mapped to the nearest one here, and the event as sent is kept whole in `metadata`.
 */

const ACTION = new RegExp(ACTION_PATTERN);

/**
 * A Trailmark action name for any action text: kept when it already is one, otherwise
 * lowercased, other characters replaced by `_`, and given a second segment when it has one only.
 */
export function actionName(action: string, fallbackDomain: string): string {
  if (ACTION.test(action) && action.length <= 128) return action;
  let segments = action
    .toLowerCase()
    .split('.')
    .map((s) => s.replace(/[^a-z0-9_]+/g, '_'))
    .filter((s) => s !== '' && s !== '_');
  if (segments.length === 0) segments = ['event'];
  if (segments.length === 1) segments = [fallbackDomain, segments[0]!];
  if (segments.length > 6) segments = [...segments.slice(0, 5), segments.slice(5).join('_')];
  const name = segments.map((s) => s.slice(0, 20)).join('.');
  return name.length >= 3 ? name : `${fallbackDomain}.${name}`;
}

/** Trailmark's actor types; any other type the client sent is a `service` (the original is kept). */
export function actorType(type: string): Actor['type'] {
  return (ACTOR_TYPES as readonly string[]).includes(type) ? (type as Actor['type']) : 'service';
}

/** A resource type Trailmark accepts (`^[A-Za-z0-9_.:-]+$`, at most 64 characters). */
export function resourceType(type: string): string {
  const cleaned = type.replace(/[^A-Za-z0-9_.:-]+/g, '_').slice(0, 64);
  return cleaned === '' ? 'target' : cleaned;
}

export function isIpAddress(text: string): boolean {
  return isIP(text) !== 0;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
