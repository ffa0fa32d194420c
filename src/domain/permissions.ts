import type { ApiKeyScope } from './principal.js';

/** What a person may do in an org (SPEC §1). Roles are sets of these. */
export const PERMISSIONS = [
  'viewAuditLog',
  'exportAuditLog',
  'manageMembers',
  'manageApiKeys',
  'manageAlerts',
  'manageStreams',
  'manageSettings',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Everything a route can require of a principal in an org: a permission, or one of the grants
 * that only credentials for machines hold (writing events, minting viewer tokens), or simply
 * belonging to the org (reading its name and settings).
 */
export type Grant = Permission | 'writeEvents' | 'mintViewerTokens' | 'memberOfOrg';

export const BUILT_IN_ROLES = ['owner', 'admin', 'member'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

/**
 * Owners and admins hold every permission; `member` holds none until a custom role gives it
 * some. What only owners may do (grant, revoke or remove the owner role) is decided by role,
 * not by permission.
 */
export const BUILT_IN_PERMISSIONS: Record<BuiltInRole, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  member: [],
};

export function isBuiltInRole(role: string): role is BuiltInRole {
  return (BUILT_IN_ROLES as readonly string[]).includes(role);
}

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

/** What an API key's scopes grant inside its org. `admin` holds everything. */
export function grantsOfScopes(scopes: readonly ApiKeyScope[]): Set<Grant> {
  const grants = new Set<Grant>(['memberOfOrg']);
  if (scopes.includes('events:write')) grants.add('writeEvents');
  if (scopes.includes('events:read')) {
    grants.add('viewAuditLog');
    grants.add('exportAuditLog');
  }
  if (scopes.includes('admin')) {
    for (const p of PERMISSIONS) grants.add(p);
    grants.add('writeEvents');
    grants.add('viewAuditLog');
    grants.add('mintViewerTokens');
  }
  return grants;
}

/** The permissions a set of scopes amounts to, for "you cannot give more than you hold". */
export function permissionsOfScopes(scopes: readonly ApiKeyScope[]): Permission[] {
  const grants = grantsOfScopes(scopes);
  return PERMISSIONS.filter((p) => grants.has(p));
}
