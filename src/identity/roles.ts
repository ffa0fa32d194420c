import type { Role } from '../contracts/api.js';
import { AppError } from '../domain/errors.js';
import {
  BUILT_IN_PERMISSIONS,
  BUILT_IN_ROLES,
  type Grant,
  isBuiltInRole,
  type Permission,
} from '../domain/permissions.js';
import type { RoleRecord } from '../store/identity-store.js';
import type { AuditStore, StoreTx } from '../store/store.js';

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
    ...custom.map(roleView),
  ];
}

/** A custom role as listed and as its routes answer. */
export function roleView(role: RoleRecord): RoleView {
  return {
    id: role.id,
    name: role.name,
    built_in: false,
    permissions: role.permissions,
    created_at: role.created_at,
    updated_at: role.updated_at,
  };
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
