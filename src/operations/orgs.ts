import { found, validationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { OrgPatch } from '../store/identity-store.js';
import type { Org } from '../store/store.js';
import { audited, type Cause, type ChangeDeps, changedFields } from './audited.js';

/**
 * Creates an org. When a person creates it they become its owner, in the same transaction, so an
 * org made from the dashboard is never left without anyone who can manage it.
 */
export async function createOrg(
  deps: ChangeDeps,
  input: { name: string; id?: string },
  cause: Cause,
): Promise<Org> {
  const id = input.id ?? newId('org');
  const at = deps.now().toISOString();
  return audited(deps, cause, async (tx, record) => {
    const org = await tx.createOrg({ id, name: input.name });
    record(id, 'organization.created', {
      resource: { type: 'organization', id, name: input.name },
      description: `Organization ${input.name} created`,
      metadata: { changed_fields: input.id ? ['id', 'name'] : ['name'], name: input.name },
    });
    const principal = cause.principal;
    if (principal?.type === 'user') {
      await tx.identity.addMember(id, principal.userId, 'owner', at);
      record(id, 'member.added', {
        resource: { type: 'member', id: principal.userId, name: principal.email },
        description: `${principal.email} joined ${input.name} as owner (creator)`,
        metadata: { changed_fields: ['role'], role: 'owner', via: 'created_org' },
      });
    }
    return org;
  });
}

const RETENTION_FIELDS = ['retention_days', 'request_retention_days', 'legal_hold'] as const;

/**
 * Updates an org's name and retention settings. A new name is `organization.updated`; retention
 * and legal hold are `retention.updated`; each names the fields that changed, with before and
 * after. Nothing changed, nothing recorded.
 */
export async function updateOrg(deps: ChangeDeps, org: string, patch: OrgPatch, cause: Cause): Promise<Org> {
  return audited(deps, cause, async (tx, record) => {
    const before = found(await deps.store.getOrg(org), `organization ${org}`);
    const retentionDays = patch.retention_days ?? before.retention_days;
    if (patch.request_retention_days !== undefined && patch.request_retention_days > retentionDays) {
      // Request data leaves with its event: a longer request retention could never take effect.
      throw validationError([
        {
          path: '/request_retention_days',
          message: `must be at most retention_days (${retentionDays})`,
        },
      ]);
    }
    const changed = changedFields(before, patch as Partial<Org>) as (keyof OrgPatch)[];
    if (!changed.length) return before;
    const patched = Object.fromEntries(changed.map((k) => [k, patch[k]]));
    const after = found(await tx.identity.updateOrg(org, patched), `organization ${org}`);
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
