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

export const API_KEY_SCOPES = ['events:write', 'events:read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
