import type { Actor } from './event.js';

export const API_KEY_SCOPES = ['events:write', 'events:read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Who is making a request, once their credential has been checked. */
export type Principal = {
  type: 'api_key';
  keyId: string;
  name: string;
  /** null: a deployment-wide (operator) key. */
  org: string | null;
  scopes: ApiKeyScope[];
  last4: string;
};

/** Where a request came from, for the events Trailmark records about itself. */
export interface RequestOrigin {
  ip?: string;
  userAgent?: string;
}

export function actorOf(principal: Principal): Actor {
  return { type: 'api_key', id: principal.keyId, name: principal.name };
}
