import { AppError, type FieldIssue } from '../../domain/errors.js';
import type { StoredEvent } from '../../domain/event.js';
import { isPlainObject } from '../shared.js';

/**
 * WorkOS audit log schemas (`POST`/`GET /audit_logs/actions/{action}/schemas`). Trailmark keeps
 * each version as the `audit_log_schema.created` event that recorded it, so the log itself holds
 * every version, who made it and when; nothing else stores them.
 */

export interface WorkosSchemaBody {
  actor?: { metadata: Record<string, unknown> };
  targets: Array<{ type: string; metadata?: Record<string, unknown> }>;
  metadata?: Record<string, unknown>;
}

export interface WorkosSchema extends WorkosSchemaBody {
  object: 'audit_log_schema';
  version: number;
  created_at: string;
}

export const SCHEMA_RESOURCE = 'audit_log_schema';

function metadataSchema(value: unknown, path: string, issues: FieldIssue[]): void {
  if (value === undefined) return;
  if (!isPlainObject(value)) issues.push({ path, message: 'must be a JSON Schema object' });
}

export function parseWorkosSchema(body: unknown): WorkosSchemaBody {
  const issues: FieldIssue[] = [];
  if (!isPlainObject(body)) throw new AppError('validation', 'the body must be a schema object');
  if (!Array.isArray(body.targets)) {
    issues.push({ path: '/targets', message: body.targets === undefined ? 'required' : 'must be an array' });
  } else {
    body.targets.forEach((target, i) => {
      if (!isPlainObject(target) || typeof target.type !== 'string' || target.type === '') {
        issues.push({ path: `/targets/${i}/type`, message: 'required' });
      } else {
        metadataSchema(target.metadata, `/targets/${i}/metadata`, issues);
      }
    });
  }
  if (body.actor !== undefined) {
    if (!isPlainObject(body.actor)) issues.push({ path: '/actor', message: 'must be an object' });
    else metadataSchema(body.actor.metadata, '/actor/metadata', issues);
  }
  metadataSchema(body.metadata, '/metadata', issues);
  if (issues.length) throw new AppError('validation', 'Invalid audit log schema.', { errors: issues });
  const schema: WorkosSchemaBody = { targets: body.targets as WorkosSchemaBody['targets'] };
  if (body.actor !== undefined) schema.actor = body.actor as WorkosSchemaBody['actor'];
  if (body.metadata !== undefined) schema.metadata = body.metadata as Record<string, unknown>;
  return schema;
}

/** A schema as WorkOS answers it, from the event that recorded it. */
export function schemaFromEvent(event: StoredEvent): WorkosSchema {
  const recorded = (event.metadata ?? {}) as { version?: number; schema?: WorkosSchemaBody };
  const body = recorded.schema ?? { targets: [] };
  return {
    object: 'audit_log_schema',
    version: recorded.version ?? 1,
    targets: body.targets,
    ...(body.actor ? { actor: body.actor } : {}),
    ...(body.metadata ? { metadata: body.metadata } : {}),
    created_at: event.occurred_at,
  };
}
