import { AppError } from '../domain/errors.js';
import { audited, type Cause, type ChangeDeps, changedFields } from '../operations/audited.js';
import type { OrgPatch } from '../store/identity-store.js';
import type { Org } from '../store/store.js';

const RETENTION_FIELDS = ['retention_days', 'request_retention_days', 'legal_hold'] as const;

/**
 * Updates an org's name and retention settings. A new name is `organization.updated`; retention
 * and legal hold are `retention.updated`; each names the fields that changed, with before and
 * after. Nothing changed, nothing recorded.
 */
export async function updateOrg(deps: ChangeDeps, org: string, patch: OrgPatch, cause: Cause): Promise<Org> {
  return audited(deps, cause, async (tx, record) => {
    const before = await deps.store.getOrg(org);
    if (!before) throw new AppError('not_found', `organization ${org} not found`);
    const changed = changedFields(before, patch as Partial<Org>) as (keyof OrgPatch)[];
    if (!changed.length) return before;
    const after = await tx.identity.updateOrg(org, Object.fromEntries(changed.map((k) => [k, patch[k]])));
    if (!after) throw new AppError('not_found', `organization ${org} not found`);
    const values = (fields: readonly (keyof OrgPatch)[], of: Org) =>
      Object.fromEntries(fields.map((k) => [k, of[k]]));
    if (changed.includes('name')) {
      record(org, 'organization.updated', {
        resource: { type: 'organization', id: org, name: after.name },
        description: `Organization renamed from ${before.name} to ${after.name}`,
        metadata: { changed_fields: ['name'], before: { name: before.name }, after: { name: after.name } },
      });
    }
    const retention = RETENTION_FIELDS.filter((k) => changed.includes(k));
    if (retention.length) {
      record(org, 'retention.updated', {
        resource: { type: 'organization', id: org, name: after.name },
        description: `Retention settings changed: ${retention.join(', ')}`,
        metadata: {
          changed_fields: retention,
          before: values(retention, before),
          after: values(retention, after),
        },
      });
    }
    return after;
  });
}
