import { AppError, found } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { type Grant, isBuiltInRole, type Permission } from '../domain/permissions.js';
import { assertHolds } from '../identity/roles.js';
import type { RoleRecord } from '../store/identity-store.js';
import type { StoreTx } from '../store/store.js';
import { audited, type Cause, type ChangeDeps, causedBy, changedFields, changeMetadata } from './audited.js';

async function existingRole(tx: StoreTx, org: string, id: string): Promise<RoleRecord> {
  return found(await tx.identity.getRole(org, id), `role ${id}`);
}

function dedupe(permissions: Permission[]): Permission[] {
  return [...new Set(permissions)];
}

function assertName(name: string): void {
  if (isBuiltInRole(name.toLowerCase())) {
    throw new AppError('validation', `/name: ${name} is the name of a built-in role`, {
      errors: [{ path: '/name', message: 'is the name of a built-in role' }],
    });
  }
}

export async function createRole(
  deps: ChangeDeps,
  org: string,
  input: { name: string; permissions: Permission[] },
  held: ReadonlySet<Grant>,
  cause: Cause,
): Promise<RoleRecord> {
  assertName(input.name);
  const permissions = dedupe(input.permissions);
  assertHolds(held, permissions, 'this role');
  const at = deps.now().toISOString();
  return audited(deps, cause, async (tx, record) => {
    const role = await tx.identity.createRole({
      id: newId('role'),
      org,
      name: input.name,
      permissions,
      created_at: at,
      updated_at: at,
      created_by: causedBy(cause),
    });
    record(org, 'role.created', {
      resource: { type: 'role', id: role.id, name: role.name },
      description: `Role ${role.name} created`,
      metadata: { changed_fields: ['name', 'permissions'], permissions },
    });
    return role;
  });
}

export async function updateRole(
  deps: ChangeDeps,
  org: string,
  id: string,
  patch: { name?: string; permissions?: Permission[] },
  held: ReadonlySet<Grant>,
  cause: Cause,
): Promise<RoleRecord> {
  if (isBuiltInRole(id)) throw new AppError('forbidden', 'built-in roles cannot be changed');
  if (patch.name !== undefined) assertName(patch.name);
  const next = { ...patch, ...(patch.permissions ? { permissions: dedupe(patch.permissions) } : {}) };
  if (next.permissions) assertHolds(held, next.permissions, 'this role');
  return audited(deps, cause, async (tx, record) => {
    const before = await existingRole(tx, org, id);
    // Editing a role changes what its holders may do: whoever edits it must hold what it had.
    assertHolds(held, before.permissions, 'editing this role');
    const changed = changedFields(before, next);
    if (!changed.length) return before;
    const after = found(await tx.identity.updateRole(org, id, next, deps.now().toISOString()), `role ${id}`);
    record(org, 'role.updated', {
      resource: { type: 'role', id, name: after.name },
      description: `Role ${after.name} updated: ${changed.join(', ')}`,
      metadata: changeMetadata(changed, before, after),
    });
    return after;
  });
}

export async function deleteRole(
  deps: ChangeDeps,
  org: string,
  id: string,
  held: ReadonlySet<Grant>,
  cause: Cause,
): Promise<void> {
  if (isBuiltInRole(id)) throw new AppError('forbidden', 'built-in roles cannot be deleted');
  await audited(deps, cause, async (tx, record) => {
    const before = await existingRole(tx, org, id);
    assertHolds(held, before.permissions, 'deleting this role');
    const holders = await tx.identity.countMembersWithRole(org, id);
    if (holders > 0) {
      throw new AppError(
        'conflict',
        `role ${before.name} is held by ${holders} member(s); change their role first`,
      );
    }
    await tx.identity.deleteRole(org, id);
    record(org, 'role.deleted', {
      resource: { type: 'role', id, name: before.name },
      description: `Role ${before.name} deleted`,
      metadata: { changed_fields: [], permissions: before.permissions },
    });
  });
}
