import { type ApiKeyScope, PERMISSIONS, type Permission } from '../contracts/permissions.js';

export {
  BUILT_IN_PERMISSIONS,
  BUILT_IN_ROLES,
  type BuiltInRole,
  isBuiltInRole,
  isPermission,
  PERMISSIONS,
  type Permission,
} from '../contracts/permissions.js';

/**
 * Everything a route can require of a principal in an org: a permission, or one of the grants
 * that only credentials for machines hold (writing events, minting viewer tokens), or simply
 * belonging to the org (reading its name and settings).
 */
export type Grant = Permission | 'writeEvents' | 'mintViewerTokens' | 'memberOfOrg';

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
