import type { Role } from '../api/types.js';

/** A role's name, or its id while the roles are loading. */
export function roleName(roles: readonly Role[] | undefined, id: string): string {
  return roles?.find((r) => r.id === id)?.name ?? id;
}
