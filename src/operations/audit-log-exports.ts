import { EXPORT_RESOURCE, type WorkosExportRequest } from '../compat/workos/export.js';
import { newId } from '../domain/ids.js';
import { audited, type Cause, type ChangeDeps } from './audited.js';

/**
 * Records a request for an export (WorkOS-compatible API): the event is the export, its
 * metadata its filters. The CSV is made, and `audit_log.exported` recorded, when it is fetched.
 */
export async function createAuditLogExport(
  deps: ChangeDeps,
  org: string,
  request: WorkosExportRequest,
  cause: Cause,
): Promise<{ id: string; created_at: string }> {
  const now = deps.now();
  const id = newId('audit_log_export', now.getTime());
  await audited(deps, cause, async (_tx, record) => {
    record(org, 'audit_log_export.created', {
      resource: { type: EXPORT_RESOURCE, id },
      description: `Export of ${request.range_start} to ${request.range_end} requested`,
      metadata: { changed_fields: [], ...request },
    });
  });
  return { id, created_at: now.toISOString() };
}
