import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError, type FieldIssue } from '../../domain/errors.js';
import type { StoredEvent } from '../../domain/event.js';
import type { EventFilter } from '../../domain/query.js';
import { actionName, isPlainObject } from '../shared.js';

/**
 * WorkOS audit log exports. An export is the `audit_log_export.created` event that records its
 * request (the filters); its CSV is made when its URL is fetched. The URL works without the API
 * key, as WorkOS's does: it is signed (HMAC-SHA256 under a secret of the deployment) and expires
 * after 10 minutes; each GET of the export signs a fresh one.
 */

export const EXPORT_RESOURCE = 'audit_log_export';
export const URL_TTL_MS = 10 * 60 * 1000;

export interface WorkosExportRequest {
  organization_id: string;
  range_start: string;
  range_end: string;
  actions?: string[];
  actor_names?: string[];
  actor_ids?: string[];
  targets?: string[];
}

const LISTS = ['actions', 'actor_names', 'actor_ids', 'targets'] as const;

export function parseExportRequest(body: unknown): WorkosExportRequest {
  if (!isPlainObject(body)) throw new AppError('validation', 'the body must be an export request object');
  const issues: FieldIssue[] = [];
  if (typeof body.organization_id !== 'string' || body.organization_id === '') {
    issues.push({ path: '/organization_id', message: 'required' });
  }
  for (const key of ['range_start', 'range_end'] as const) {
    const value = body[key];
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
      issues.push({
        path: `/${key}`,
        message: value === undefined ? 'required' : 'must be an ISO 8601 date and time',
      });
    }
  }
  for (const key of LISTS) {
    const value = body[key];
    if (value === undefined) continue;
    if (
      !Array.isArray(value) ||
      value.length > 100 ||
      value.some((v) => typeof v !== 'string' || v.length > 256)
    ) {
      issues.push({ path: `/${key}`, message: 'must be an array of at most 100 strings' });
    }
  }
  if (issues.length) throw new AppError('validation', 'Invalid audit log export.', { errors: issues });
  const request: WorkosExportRequest = {
    organization_id: body.organization_id as string,
    range_start: new Date(body.range_start as string).toISOString(),
    range_end: new Date(body.range_end as string).toISOString(),
  };
  for (const key of LISTS) if (body[key] !== undefined) request[key] = body[key] as string[];
  return request;
}

/** The request as the export's event recorded it. */
export function exportRequestOf(event: StoredEvent): WorkosExportRequest {
  return (event.metadata ?? {}) as unknown as WorkosExportRequest;
}

/** What the store filters on; `exportMatches` checks the lists the store has no filter for. */
export function exportFilter(request: WorkosExportRequest): EventFilter {
  const filter: EventFilter = { from: Date.parse(request.range_start), to: Date.parse(request.range_end) };
  if (request.actions?.length) filter.actions = request.actions.map((a) => actionName(a, 'workos'));
  if (request.actor_ids?.length === 1) filter.actor = request.actor_ids[0]!;
  return filter;
}

/** Target types: of the WorkOS event's targets when it was sent through WorkOS, else its resource. */
function targetTypes(event: StoredEvent): string[] {
  const workos = event.metadata?.workos;
  if (isPlainObject(workos) && Array.isArray(workos.targets)) {
    return workos.targets.map((t) => (isPlainObject(t) ? String(t.type) : ''));
  }
  return event.resource ? [event.resource.type] : [];
}

export function exportMatches(request: WorkosExportRequest, event: StoredEvent): boolean {
  if (request.actor_ids?.length && !request.actor_ids.includes(event.actor.id)) return false;
  if (request.actor_names?.length && !request.actor_names.includes(event.actor.name ?? '')) return false;
  if (request.targets?.length && !targetTypes(event).some((t) => request.targets!.includes(t))) return false;
  return true;
}

/**
 * The event as a WorkOS export shows it: with the actor type the WorkOS client sent (Trailmark
 * stores a type outside its own list as `service`, and keeps the original in metadata.workos).
 */
export function asSentByWorkos(event: StoredEvent): StoredEvent {
  const workos = event.metadata?.workos;
  const sent = isPlainObject(workos) && isPlainObject(workos.actor) ? workos.actor.type : undefined;
  if (typeof sent !== 'string' || sent === event.actor.type) return event;
  return { ...event, actor: { ...event.actor, type: sent as StoredEvent['actor']['type'] } };
}

function signature(secret: string, org: string, id: string, expires: number): string {
  return createHmac('sha256', secret).update(`workos-export\n${org}\n${id}\n${expires}`).digest('hex');
}

/** The query string of a download URL valid until `expires` (epoch ms). */
export function signedQuery(secret: string, org: string, id: string, expires: number): string {
  const params = new URLSearchParams({
    org,
    expires: String(expires),
    signature: signature(secret, org, id, expires),
  });
  return params.toString();
}

/** Whether one of `secrets` signed this URL and it has not expired. */
export function validSignature(
  secrets: string[],
  query: { org: string; id: string; expires: number; signature: string },
  nowMs: number,
): boolean {
  if (!(query.expires >= nowMs) || !/^[0-9a-f]{64}$/.test(query.signature)) return false;
  const given = Buffer.from(query.signature, 'hex');
  return secrets.some((secret) =>
    timingSafeEqual(given, Buffer.from(signature(secret, query.org, query.id, query.expires), 'hex')),
  );
}
