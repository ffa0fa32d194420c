import { SCHEMA_RESOURCE, type WorkosSchema, type WorkosSchemaBody } from '../compat/workos/schema.js';
import { audited, type Cause, type ChangeDeps } from './audited.js';

/**
 * Records a new version of an action's schema (WorkOS-compatible API). The event that records it
 * is the schema: `metadata.schema` and `metadata.version`, under the resource named by the action.
 */
export async function createAuditLogSchema(
  deps: ChangeDeps,
  org: string,
  action: string,
  schema: WorkosSchemaBody,
  version: number,
  cause: Cause,
): Promise<WorkosSchema> {
  const createdAt = deps.now().toISOString();
  await audited(deps, cause, async (_tx, record) => {
    record(org, 'audit_log_schema.created', {
      resource: { type: SCHEMA_RESOURCE, id: action, name: `version ${version}` },
      description: `Schema version ${version} of ${action} created`,
      metadata: { changed_fields: ['schema'], action, version, schema },
    });
  });
  return { object: 'audit_log_schema', version, ...schema, created_at: createdAt };
}
