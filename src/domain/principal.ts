import type { ApiKeyScope } from '../contracts/permissions.js';
import type { Actor } from './event.js';

export { API_KEY_SCOPES, type ApiKeyScope, DEPLOYMENT_KEY_SCOPES } from '../contracts/permissions.js';

/** A machine credential: an org's key, or (org null) a deployment-wide operator key. */
export interface ApiKeyPrincipal {
  type: 'api_key';
  keyId: string;
  name: string;
  /** null: a deployment-wide (operator) key. */
  org: string | null;
  scopes: ApiKeyScope[];
  last4: string;
}

/** A person signed in to the dashboard; what they may do depends on their role in each org. */
export interface UserPrincipal {
  type: 'user';
  userId: string;
  email: string;
  name: string;
  sessionId: string;
}

/** A short-lived read-only token for one org, optionally narrowed to a workspace or an actor. */
export interface ViewerPrincipal {
  type: 'viewer';
  tokenId: string;
  org: string;
  workspace: string | null;
  actor: string | null;
  expiresAt: string;
}

/** Who is making a request, once their credential has been checked. */
export type Principal = ApiKeyPrincipal | UserPrincipal | ViewerPrincipal;

/** Where a request came from, for the events Trailmark records about itself. */
export interface RequestOrigin {
  ip?: string;
  userAgent?: string;
}

export function actorOf(principal: Principal): Actor {
  switch (principal.type) {
    case 'api_key':
      return { type: 'api_key', id: principal.keyId, name: principal.name };
    case 'user':
      return { type: 'user', id: principal.userId, name: principal.name, email: principal.email };
    case 'viewer':
      return { type: 'service', id: principal.tokenId, name: 'viewer token' };
  }
}

/** `context.auth_type` of the events a principal causes. */
export function authTypeOf(principal: Principal): 'session' | 'api_key' {
  return principal.type === 'user' ? 'session' : 'api_key';
}

/** A stable id for "the same principal" (throttling, created_by columns). */
export function principalId(principal: Principal): string {
  switch (principal.type) {
    case 'api_key':
      return principal.keyId;
    case 'user':
      return principal.userId;
    case 'viewer':
      return principal.tokenId;
  }
}
