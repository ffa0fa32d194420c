import { AppError, type FieldIssue } from '../../domain/errors.js';
import type { EventInput } from '../../domain/event.js';
import { actionName, isIpAddress, isPlainObject, resourceType } from '../shared.js';

/**
 * A Retraced event (COMPAT-WIRE.md 2.3) checked by the Retraced server's rules, plus what its
 * canonical hash needs (string ids and string field values, or the client's own check could not
 * agree with ours), and mapped onto a Trailmark event. The Retraced event is kept whole in
 * `metadata.retraced`: crud, hrefs, the actor's and target's fields, component, version and
 * external id have no Trailmark field, and search answers with them.
 */

export const MAX_BULK_EVENTS = 50;
/** The actor of an anonymous event (Retraced allows events with no actor when is_anonymous). */
export const ANONYMOUS_ACTOR = 'anonymous';

const MEMBERS: Record<'group' | 'actor' | 'target', readonly string[]> = {
  group: ['id', 'name'],
  actor: ['id', 'name', 'href', 'fields'],
  target: ['id', 'name', 'href', 'type', 'fields'],
};
const LIMITS: Record<string, number> = { id: 256, name: 256, href: 2048, type: 256 };

type Issues = FieldIssue[];

function stringMap(value: unknown, path: string, issues: Issues): void {
  if (value === undefined || value === null) return;
  if (!isPlainObject(value)) {
    issues.push({ path, message: 'must be an object of strings' });
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') issues.push({ path: `${path}/${key}`, message: 'must be a string' });
  }
}

function party(event: Record<string, unknown>, name: 'group' | 'actor' | 'target', issues: Issues): void {
  const value = event[name];
  if (value === undefined || value === null) return;
  if (!isPlainObject(value)) {
    issues.push({ path: `/${name}`, message: 'must be an object' });
    return;
  }
  for (const key of Object.keys(value)) {
    if (!MEMBERS[name].includes(key)) issues.push({ path: `/${name}/${key}`, message: 'is not allowed' });
  }
  if (typeof value.id !== 'string') issues.push({ path: `/${name}/id`, message: 'must be a string' });
  for (const key of ['id', 'name', 'href', 'type']) {
    const v = value[key];
    if (key !== 'id' && v !== undefined && v !== null && typeof v !== 'string') {
      issues.push({ path: `/${name}/${key}`, message: 'must be a string' });
    } else if (typeof v === 'string' && v.length > LIMITS[key]!) {
      issues.push({ path: `/${name}/${key}`, message: `must be at most ${LIMITS[key]} characters` });
    }
  }
  if (name === 'group' && value.id === '') issues.push({ path: '/group/id', message: 'must not be empty' });
  stringMap(value.fields, `/${name}/fields`, issues);
}

function optionalString(event: Record<string, unknown>, key: string, max: number, issues: Issues): void {
  const v = event[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'string') issues.push({ path: `/${key}`, message: 'must be a string' });
  else if (v.length > max) issues.push({ path: `/${key}`, message: `must be at most ${max} characters` });
}

/** Every problem of one event, by its JSON Pointer path. */
export function retracedEventIssues(event: unknown): Issues {
  if (!isPlainObject(event)) return [{ path: '/', message: 'must be an event object' }];
  const issues: Issues = [];
  if (typeof event.action !== 'string' || event.action === '') {
    issues.push({ path: '/action', message: 'must be a non-empty string' });
  } else if (event.action.length > 512) {
    issues.push({ path: '/action', message: 'must be at most 512 characters' });
  }
  if (
    event.crud !== undefined &&
    event.crud !== null &&
    !['c', 'r', 'u', 'd'].includes(event.crud as string)
  ) {
    issues.push({ path: '/crud', message: 'must be one of c, r, u, d' });
  }
  for (const flag of ['is_failure', 'is_anonymous']) {
    if (event[flag] !== undefined && event[flag] !== null && typeof event[flag] !== 'boolean') {
      issues.push({ path: `/${flag}`, message: 'must be a boolean' });
    }
  }
  if ((event.actor === undefined || event.actor === null) && event.is_anonymous !== true) {
    issues.push({ path: '/actor', message: 'required unless is_anonymous is true' });
  }
  party(event, 'group', issues);
  party(event, 'actor', issues);
  party(event, 'target', issues);
  if (event.created !== undefined && event.created !== null) {
    if (typeof event.created !== 'string' || Number.isNaN(Date.parse(event.created))) {
      issues.push({ path: '/created', message: 'must be an ISO 8601 date and time' });
    }
  }
  if (event.source_ip !== undefined && event.source_ip !== null && event.source_ip !== '') {
    if (typeof event.source_ip !== 'string' || !isIpAddress(event.source_ip)) {
      issues.push({ path: '/source_ip', message: 'must be an IPv4 or IPv6 address' });
    }
  }
  optionalString(event, 'description', 2048, issues);
  optionalString(event, 'external_id', 256, issues);
  optionalString(event, 'component', 256, issues);
  optionalString(event, 'version', 256, issues);
  stringMap(event.fields, '/fields', issues);
  stringMap(event.metadata, '/metadata', issues);
  return issues;
}

export interface RetracedParty {
  id: string;
  name?: string;
  href?: string;
  type?: string;
  fields?: Record<string, string>;
}

export interface RetracedEvent {
  action: string;
  crud?: 'c' | 'r' | 'u' | 'd';
  group?: RetracedParty;
  actor?: RetracedParty;
  target?: RetracedParty;
  created?: string;
  source_ip?: string;
  description?: string;
  is_failure?: boolean;
  is_anonymous?: boolean;
  fields?: Record<string, string>;
  external_id?: string;
  component?: string;
  version?: string;
  metadata?: Record<string, string>;
}

export function invalidRetraced(issues: Issues, prefix = ''): AppError {
  const errors = issues.map((i) => ({ ...i, path: `${prefix}${i.path === '/' ? '' : i.path}` || '/' }));
  return new AppError('validation', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
}

/** Checks one event; throws a 400 naming every bad field. */
export function parseRetracedEvent(event: unknown): RetracedEvent {
  const issues = retracedEventIssues(event);
  if (issues.length) throw invalidRetraced(issues);
  return event as RetracedEvent;
}

/** The Trailmark event a checked Retraced event is stored as (its org is group.id, see the route). */
export function toTrailmarkEvent(event: RetracedEvent): EventInput {
  const input: EventInput = {
    action: actionName(event.action, 'retraced'),
    actor: { type: 'user', id: event.actor?.id || ANONYMOUS_ACTOR },
  };
  if (event.actor?.name) input.actor.name = event.actor.name;
  if (event.created) input.occurred_at = event.created;
  if (event.target && Object.keys(event.target).length) {
    input.resource = { type: resourceType(event.target.type ?? 'target') };
    if (event.target.id) input.resource.id = event.target.id;
    if (event.target.name) input.resource.name = event.target.name;
  }
  if (event.description) input.description = event.description;
  if (event.source_ip) input.context = { ip: event.source_ip };
  input.status = event.is_failure ? 'failure' : 'success';
  input.metadata = { retraced: event };
  return input;
}
