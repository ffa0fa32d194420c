import type { Role } from '../contracts/api.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import {
  BUILT_IN_PERMISSIONS,
  BUILT_IN_ROLES,
  type Grant,
  isBuiltInRole,
  type Permission,
} from '../domain/permissions.js';
import { principalId } from '../domain/principal.js';
import type { RoleRecord } from '../store/identity-store.js';
import type { AuditStore, StoreTx } from '../store/store.js';
import { audited, type Cause, type ChangeDeps, changedFields } from './self-audit.js';

/** A role as listed: built-in ones first, then the org's custom roles (src/contracts/api.ts). */
export type RoleView = Role;

export async function listRoles(store: AuditStore, org: string): Promise<RoleView[]> {
  const custom = await store.identity.listRoles(org);
  return [
    ...BUILT_IN_ROLES.map((role) => ({
      id: role,
      name: role,
      built_in: true,
      permissions: [...BUILT_IN_PERMISSIONS[role]],
      created_at: null,
      updated_at: null,
    })),
    ...custom.map((r) => ({
      id: r.id,
      name: r.name,
      built_in: false,
      permissions: r.permissions,
      created_at: r.created_at,
      updated_at: r.updated_at,
    })),
  ];
}

/** The permissions of a role in an org (built-in or custom); 404-like error when unknown. */
export async function rolePermissions(
  tx: StoreTx,
  org: string,
  role: string,
): Promise<{ name: string; permissions: readonly Permission[] }> {
  if (isBuiltInRole(role)) return { name: role, permissions: BUILT_IN_PERMISSIONS[role] };
  const custom = await tx.identity.getRole(org, role);
  if (!custom) {
    throw new AppError('validation', `/role: role ${role} does not exist in this organization`, {
      errors: [{ path: '/role', message: `role ${role} does not exist in this organization` }],
    });
  }
  return custom;
}

/** Nobody gives a role more than they hold themselves (no escalation through custom roles). */
export function assertHolds(
  held: ReadonlySet<Grant>,
  permissions: readonly Permission[],
  what: string,
): void {
  const missing = permissions.filter((p) => !held.has(p));
  if (missing.length) {
    throw new AppError('forbidden', `${what} would grant ${missing.join(', ')}, which you do not hold`);
  }
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
      created_by: cause.principal ? principalId(cause.principal) : null,
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
    const before = await tx.identity.getRole(org, id);
    if (!before) throw new AppError('not_found', `role ${id} not found`);
    // Editing a role changes what its holders may do: whoever edits it must hold what it had.
    assertHolds(held, before.permissions, 'editing this role');
    const changed = changedFields(before, next);
    if (!changed.length) return before;
    const after = await tx.identity.updateRole(org, id, next, deps.now().toISOString());
    if (!after) throw new AppError('not_found', `role ${id} not found`);
    record(org, 'role.updated', {
      resource: { type: 'role', id, name: after.name },
      description: `Role ${after.name} updated: ${changed.join(', ')}`,
      metadata: {
        changed_fields: changed,
        before: Object.fromEntries(changed.map((k) => [k, before[k]])),
        after: Object.fromEntries(changed.map((k) => [k, after[k]])),
      },
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
    const before = await tx.identity.getRole(org, id);
    if (!before) throw new AppError('not_found', `role ${id} not found`);
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
