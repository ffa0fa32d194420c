/**
 * What a person may do in an org (SPEC §1), the roles every org has, and what an API key can be
 * scoped to. The server enforces them; the dashboard offers them in its forms.
 */

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

/** The scopes of an org's keys. */
export const API_KEY_SCOPES = ['events:write', 'events:read', 'admin'] as const;
/**
 * Scopes only deployment-wide keys hold: `orgs:create` lets an ingest key create an org the
 * first time an event names it (a product writing for all its customers' orgs).
 */
export const DEPLOYMENT_KEY_SCOPES = [...API_KEY_SCOPES, 'orgs:create'] as const;
export type ApiKeyScope = (typeof DEPLOYMENT_KEY_SCOPES)[number];
