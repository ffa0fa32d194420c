import { sha256Hex } from '../../domain/chain.js';
import { AppError, type FieldIssue } from '../../domain/errors.js';
import type { EventInput } from '../../domain/event.js';
import { actionName, actorType, isIpAddress, isPlainObject, resourceType } from '../shared.js';

/**
 * WorkOS Audit Logs' `POST /audit_logs/events` body (`{organization_id, event}`) checked by
 * WorkOS's rules and turned into a Trailmark event. The WorkOS event is kept whole in
 * `metadata.workos`, so nothing WorkOS has and Trailmark has no field for (several targets,
 * free-form actor types, per-actor and per-target metadata, the schema version) is lost.
 */

export const METADATA_MAX_KEYS = 50;
export const METADATA_KEY_MAX = 40;
export const METADATA_VALUE_MAX = 500;
/** How long an Idempotency-Key names one event (WorkOS: 24 hours). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface WorkosEventRequest {
  /** The Trailmark org. */
  organizationId: string;
  /** The event to store, without its id (see idempotentEventId). */
  input: Omit<EventInput, 'id'>;
}

type Issues = FieldIssue[];

function string(value: unknown, path: string, issues: Issues, options: { max: number; required: boolean }) {
  if (value === undefined || value === null) {
    if (options.required) issues.push({ path, message: 'required' });
    return;
  }
  if (typeof value !== 'string') issues.push({ path, message: 'must be a string' });
  else if (options.required && value === '') issues.push({ path, message: 'must not be empty' });
  else if (value.length > options.max)
    issues.push({ path, message: `must be at most ${options.max} characters` });
}

/** WorkOS metadata: at most 50 keys of at most 40 characters, values string, number or boolean. */
function metadata(value: unknown, path: string, issues: Issues): void {
  if (value === undefined) return;
  if (!isPlainObject(value)) {
    issues.push({ path, message: 'must be an object' });
    return;
  }
  const keys = Object.keys(value);
  if (keys.length > METADATA_MAX_KEYS)
    issues.push({ path, message: `must have at most ${METADATA_MAX_KEYS} keys` });
  for (const key of keys.slice(0, METADATA_MAX_KEYS + 1)) {
    const at = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (key.length > METADATA_KEY_MAX) {
      issues.push({ path: at, message: `keys must be at most ${METADATA_KEY_MAX} characters` });
    }
    const v = value[key];
    if (typeof v === 'string') {
      if (v.length > METADATA_VALUE_MAX) {
        issues.push({ path: at, message: `values must be at most ${METADATA_VALUE_MAX} characters` });
      }
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) issues.push({ path: at, message: 'must be a finite number' });
    } else if (typeof v !== 'boolean') {
      issues.push({ path: at, message: 'must be a string, number or boolean' });
    }
  }
}

function actorIssues(actor: unknown, issues: Issues): void {
  if (!isPlainObject(actor)) {
    issues.push({ path: '/event/actor', message: actor === undefined ? 'required' : 'must be an object' });
    return;
  }
  string(actor.id, '/event/actor/id', issues, { max: 256, required: true });
  string(actor.type, '/event/actor/type', issues, { max: 256, required: true });
  string(actor.name, '/event/actor/name', issues, { max: 256, required: false });
  metadata(actor.metadata, '/event/actor/metadata', issues);
}

function targetIssues(targets: unknown, issues: Issues): void {
  if (!Array.isArray(targets)) {
    issues.push({ path: '/event/targets', message: targets === undefined ? 'required' : 'must be an array' });
    return;
  }
  if (targets.length > 100) issues.push({ path: '/event/targets', message: 'must have at most 100 targets' });
  targets.slice(0, 100).forEach((target, i) => {
    const path = `/event/targets/${i}`;
    if (!isPlainObject(target)) {
      issues.push({ path, message: 'must be an object' });
      return;
    }
    string(target.id, `${path}/id`, issues, { max: 256, required: true });
    string(target.type, `${path}/type`, issues, { max: 256, required: true });
    string(target.name, `${path}/name`, issues, { max: 512, required: false });
    metadata(target.metadata, `${path}/metadata`, issues);
  });
}

function eventIssues(event: Record<string, unknown>, issues: Issues): void {
  string(event.action, '/event/action', issues, { max: 256, required: true });
  if (event.version !== undefined && !Number.isInteger(event.version)) {
    issues.push({ path: '/event/version', message: 'must be an integer' });
  }
  string(event.occurred_at, '/event/occurred_at', issues, { max: 40, required: true });
  if (typeof event.occurred_at === 'string' && Number.isNaN(Date.parse(event.occurred_at))) {
    issues.push({ path: '/event/occurred_at', message: 'must be an ISO 8601 date and time' });
  }
  actorIssues(event.actor, issues);
  targetIssues(event.targets, issues);
  if (!isPlainObject(event.context)) {
    issues.push({
      path: '/event/context',
      message: event.context === undefined ? 'required' : 'must be an object',
    });
  } else {
    string(event.context.location, '/event/context/location', issues, { max: 64, required: true });
    string(event.context.user_agent, '/event/context/user_agent', issues, { max: 1024, required: false });
  }
  metadata(event.metadata, '/event/metadata', issues);
}

interface WorkosTarget {
  id: string;
  type: string;
  name?: string;
}

/** Checks a WorkOS body and maps it; every problem is reported at once, by WorkOS field path. */
export function parseWorkosEvent(body: unknown): WorkosEventRequest {
  const issues: Issues = [];
  if (!isPlainObject(body)) throw invalid([{ path: '/', message: 'must be {"organization_id", "event"}' }]);
  string(body.organization_id, '/organization_id', issues, { max: 64, required: true });
  if (!isPlainObject(body.event)) {
    issues.push({ path: '/event', message: body.event === undefined ? 'required' : 'must be an object' });
  } else {
    eventIssues(body.event, issues);
  }
  if (issues.length) throw invalid(issues);
  const event = body.event as Record<string, unknown> & {
    action: string;
    occurred_at: string;
    actor: { id: string; type: string; name?: string };
    targets: WorkosTarget[];
    context: { location: string; user_agent?: string };
  };
  const input: Omit<EventInput, 'id'> = {
    action: actionName(event.action, 'workos'),
    occurred_at: event.occurred_at,
    actor: {
      type: actorType(event.actor.type),
      id: event.actor.id,
      ...(event.actor.name ? { name: event.actor.name } : {}),
    },
  };
  const [first] = event.targets;
  if (first) {
    input.resource = {
      type: resourceType(first.type),
      id: first.id,
      ...(first.name ? { name: first.name } : {}),
    };
  }
  const { location, user_agent: userAgent } = event.context;
  const context: NonNullable<EventInput['context']> = {};
  if (isIpAddress(location)) context.ip = location;
  if (userAgent) context.user_agent = userAgent;
  if (Object.keys(context).length) input.context = context;
  input.metadata = { workos: event };
  return { organizationId: body.organization_id as string, input };
}

function invalid(issues: Issues): AppError {
  return new AppError('validation', 'Invalid Audit Log event.', { errors: issues.slice(0, 50) });
}

/**
 * The event id an Idempotency-Key stands for in one org: the same key always names the same
 * event, so a retry (even one racing the first attempt) is the store's duplicate of it, and the
 * same key with another body is the store's conflict. `generation` counts earlier events of the
 * key whose 24 hours are over: the key then names a new event.
 */
export function idempotentEventId(org: string, key: string, generation: number): string {
  return `wos_${sha256Hex(`${org}\n${key}\n${generation}`).slice(0, 40)}`;
}
