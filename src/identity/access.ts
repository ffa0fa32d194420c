import { type Grant, grantsOfScopes, PERMISSIONS, type Permission } from '../domain/permissions.js';
import type { Principal } from '../domain/principal.js';
import type { MemberRecord } from '../store/identity-store.js';

/** The one authorization decision: may `principal` do what `need` names in `org`? */
export type Decision =
  | { allowed: true; grants: ReadonlySet<Grant> }
  /** `not_found`: the org is not the principal's, and must look like it does not exist. */
  | { allowed: false; denial: 'not_found' | 'forbidden'; reason: string };

/** What the principal holds in `org`; `undefined` when the org is none of its business. */
export function grantsIn(
  principal: Principal,
  org: string,
  member: MemberRecord | undefined,
): Set<Grant> | undefined {
  switch (principal.type) {
    case 'api_key':
      if (principal.org !== null && principal.org !== org) return undefined;
      return grantsOfScopes(principal.scopes);
    case 'viewer':
      // Read-only, and only the log itself: not the org's settings, members or keys.
      return principal.org === org ? new Set<Grant>(['viewAuditLog']) : undefined;
    case 'user':
      if (!member || member.org !== org || member.user_id !== principal.userId) return undefined;
      return new Set<Grant>(['memberOfOrg', ...member.permissions]);
  }
}

const WHY: Record<Grant, string> = {
  writeEvents: 'sending events needs an API key with the events:write scope',
  mintViewerTokens: 'minting viewer tokens needs an API key with the admin scope',
  memberOfOrg: 'this needs a member of the organization or one of its API keys',
  ...(Object.fromEntries(PERMISSIONS.map((p) => [p, `this needs the ${p} permission`])) as Record<
    Permission,
    string
  >),
};

/**
 * Decides from (principal, org, need) alone. `member` is the user's membership in `org`, looked
 * up by the caller for user principals. Routes declare `need`; nothing else grants access.
 */
export function decide(
  principal: Principal,
  org: string,
  member: MemberRecord | undefined,
  need: Grant,
): Decision {
  const grants = grantsIn(principal, org, member);
  if (!grants) return { allowed: false, denial: 'not_found', reason: `organization ${org} not found` };
  if (!grants.has(need)) return { allowed: false, denial: 'forbidden', reason: WHY[need] };
  return { allowed: true, grants };
}

/**
 * Whether the principal could hold `need` in some org, for checks made before the org is known
 * (ingest checks the key before reading the body, which may name the org). The full decision
 * still runs once the org is known.
 */
export function mayHoldSomewhere(principal: Principal, need: Grant): boolean {
  switch (principal.type) {
    case 'api_key':
      return grantsOfScopes(principal.scopes).has(need);
    case 'viewer':
      return need === 'viewAuditLog';
    case 'user':
      // People hold permissions through roles; writing events and minting tokens are for keys.
      return need !== 'writeEvents' && need !== 'mintViewerTokens';
  }
}

/** The permissions a principal holds in an org, for "you cannot grant more than you hold". */
export function permissionsHeld(grants: ReadonlySet<Grant>): Permission[] {
  return PERMISSIONS.filter((p) => grants.has(p));
}

/**
 * Owner-level standing: an owner, or a key that holds everything (an admin-scoped org key or the
 * deployment key). Only these may grant, revoke or remove the owner role.
 */
export function actsAsOwner(principal: Principal, member: MemberRecord | undefined): boolean {
  if (principal.type === 'api_key') return principal.scopes.includes('admin');
  if (principal.type === 'user') return member?.role === 'owner';
  return false;
}
