import { MAX_FUTURE_MS } from '../../contracts/event-schema.js';
import { AppError } from '../../domain/errors.js';
import type { StoredEvent } from '../../domain/event.js';
import type { EventFilter } from '../../domain/query.js';
import { actionName, isPlainObject } from '../shared.js';
import type { RetracedEvent, RetracedParty } from './event.js';

/**
 * Retraced's search (`POST …/graphql`, the `search` field): its query string, the part of it the
 * store filters on, the part checked on each event, and events answered as Retraced nodes.
 */

export const MAX_PAGE_SIZE = 1000;

export interface RetracedSearch {
  /** What the store filters on (everything but the page). */
  filter: EventFilter;
  /** What only the event itself can tell (crud, receive time, names, descriptions, places). */
  matches(event: StoredEvent): boolean;
}

/** `key:value` terms, values optionally in double quotes; a bare word is a free-text term. */
function terms(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const re = /\s*(?:([A-Za-z_.]+):)?(?:"((?:[^"\\]|\\.)*)"|(\S+))/gy;
  for (;;) {
    const match = re.exec(text);
    if (match === null || match[0].trim() === '') break;
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
    out.push([match[1] ?? '', value]);
  }
  return out;
}

function instant(text: string, field: string): number | undefined {
  if (text === '') return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new AppError('validation', `${field}: ${text} is not a date and time`);
  return ms;
}

function range(value: string, field: string): [number | undefined, number | undefined] {
  const [from = '', to = ''] = value.split(',');
  return [instant(from.trim(), field), instant(to.trim(), field)];
}

function contains(haystack: unknown, needle: string): boolean {
  return typeof haystack === 'string' && haystack.toLowerCase().includes(needle.toLowerCase());
}

/** The Retraced event a stored event was made from, when it was sent through this API. */
export function retracedOriginal(event: StoredEvent): RetracedEvent | undefined {
  const original = event.metadata?.retraced;
  return isPlainObject(original) ? (original as unknown as RetracedEvent) : undefined;
}

export function parseRetracedSearch(text: string, nowMs: number): RetracedSearch {
  const filter: EventFilter = { from: 0, to: nowMs + MAX_FUTURE_MS };
  const checks: Array<(event: StoredEvent, original: RetracedEvent | undefined) => boolean> = [];
  const free: string[] = [];
  for (const [key, value] of terms(text)) {
    switch (key) {
      case 'action':
        if (value.endsWith('*')) {
          const prefix = value.slice(0, -1);
          checks.push((e, o) => (o?.action ?? e.action).startsWith(prefix));
        } else {
          filter.actions = [...(filter.actions ?? []), actionName(value, 'retraced')];
          checks.push((e, o) => (o?.action ?? e.action) === value);
        }
        break;
      case 'crud':
        checks.push((_e, o) => o?.crud === value);
        break;
      case 'created': {
        const [from, to] = range(value, 'created');
        if (from !== undefined) filter.from = Math.max(filter.from, from);
        if (to !== undefined) filter.to = Math.min(filter.to, to);
        break;
      }
      case 'received': {
        const [from, to] = range(value, 'received');
        checks.push((e) => {
          const at = Date.parse(e.received_at);
          return (from === undefined || at >= from) && (to === undefined || at <= to);
        });
        break;
      }
      case 'actor.id':
        filter.actor = value;
        checks.push((e) => e.actor.id === value);
        break;
      case 'actor.name':
        checks.push((e) => contains(e.actor.name, value));
        break;
      case 'description':
        checks.push((e) => contains(e.description, value));
        break;
      case 'location':
        checks.push((e) => {
          const l = e.context?.location;
          return [l?.country, l?.region, l?.city].some((part) => contains(part, value));
        });
        break;
      case '':
        free.push(value);
        break;
      default:
        throw new AppError('validation', `${key}: is not a search term this server knows`);
    }
  }
  if (free.length) filter.q = free.join(' ');
  return { filter, matches: (event) => checks.every((check) => check(event, retracedOriginal(event))) };
}

const pairs = (map: Record<string, string> | undefined) =>
  map ? Object.entries(map).map(([key, value]) => ({ key, value })) : null;

function party(p: RetracedParty | undefined, fallback: { id?: string; name?: string; type?: string }) {
  return {
    id: p?.id ?? fallback.id ?? null,
    name: p?.name ?? fallback.name ?? null,
    href: p?.href ?? null,
    type: p?.type ?? fallback.type ?? null,
    fields: pairs(p?.fields),
  };
}

/** A stored event as a Retraced search node; events not sent through this API are mapped too. */
export function retracedNode(event: StoredEvent): Record<string, unknown> {
  const o = retracedOriginal(event);
  const anonymous = o ? o.is_anonymous === true : false;
  const location = event.context?.location;
  return {
    id: event.id,
    action: o?.action ?? event.action,
    description: event.description ?? null,
    group: { id: event.org, name: o?.group?.name ?? null },
    actor: o?.actor || !anonymous ? party(o?.actor, event.actor) : null,
    target: o?.target || event.resource ? party(o?.target, event.resource ?? {}) : null,
    crud: o?.crud ?? null,
    display: { markdown: event.description ?? null },
    received: event.received_at,
    created: o ? (o.created ?? null) : event.occurred_at,
    canonical_time: event.occurred_at,
    is_failure: event.status === 'failure',
    is_anonymous: anonymous,
    source_ip: event.context?.ip ?? null,
    country: location?.country ?? null,
    loc_subdiv1: location?.region ?? null,
    loc_subdiv2: location?.city ?? null,
    component: o?.component ?? null,
    version: o?.version ?? null,
    fields: pairs(o?.fields),
    external_id: o?.external_id ?? null,
    metadata: pairs(o?.metadata),
  };
}
