import { type Static, Type } from '@sinclair/typebox';
import type { ApiKeyScope, Permission } from './permissions.js';

/**
 * The /v1 API's resources as the server sends them and the dashboard reads them. Events are in
 * event.ts, the integrity API in chain.ts.
 */

/** The body of login, `me` and invitation acceptance (the dashboard's view of who it is). */
export const SessionViewSchema = Type.Object({
  user: Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() }),
  orgs: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      role: Type.String({ description: 'owner, admin, member or a custom role id' }),
      role_name: Type.String(),
      permissions: Type.Array(Type.String()),
    }),
  ),
  csrf_token: Type.String({ description: 'send it back as X-CSRF-Token on writes made with the cookie' }),
});
export type SessionView = Static<typeof SessionViewSchema>;
/** One org of a session: the person's role in it and what that role may do. */
export type Membership = SessionView['orgs'][number];

/** A list and where the next page starts (null: this was the last). */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** GET /v1/actions: the distinct actions in a time range. */
export interface ActionCount {
  action: string;
  count: number;
}

export interface Org {
  id: string;
  name: string;
  created_at: string;
  retention_days: number;
  request_retention_days: number;
  legal_hold: boolean;
}

export interface Member {
  user_id: string;
  email: string;
  name: string;
  /** Role id: owner, admin, member or a custom role's id. */
  role: string;
  role_name: string;
  permissions: Permission[];
  joined_at: string;
}

export interface PendingInvitation {
  id: string;
  email: string;
  /** Role id. */
  role: string;
  created_at: string;
  expires_at: string;
}

/** GET /v1/members. */
export interface MemberList {
  data: Member[];
  invitations: PendingInvitation[];
}

/** POST /v1/members/invitations: the single-use link, shown once. */
export interface Invitation {
  id: string;
  email: string;
  role: string;
  expires_at: string;
  accept_url: string;
  /** How the link was delivered: by SMTP, or written to the server log. */
  delivery: 'smtp' | 'log' | 'failed';
}

/** A role as listed: built-in ones first, then the org's custom roles. */
export interface Role {
  id: string;
  name: string;
  built_in: boolean;
  permissions: Permission[];
  created_at: string | null;
  updated_at: string | null;
}

/** GET /v1/roles: the roles, and every permission a custom role can be given. */
export interface RoleList {
  data: Role[];
  permissions: readonly Permission[];
}

/** An API key as people see it: never its hash or secret. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  last4: string;
  scopes: ApiKeyScope[];
  status: 'active' | 'disabled';
  created_at: string;
  /** The user or key that created it; null for keys made by the CLI or at first start. */
  created_by: string | null;
  created_by_email: string | null;
  last_used_at: string | null;
  expires_at: string | null;
  /** Requests per minute this key may make; null: no per-key limit. */
  rate_limit_per_minute: number | null;
}

/** A key just created: the one time its secret (`key`) is shown. */
export type CreatedApiKey = Omit<ApiKey, 'created_by_email' | 'last_used_at'> & { key: string };
