import type { Member } from '../contracts/api.js';
import type { Permission } from '../domain/permissions.js';
import type { ApiKeyRecord, Org } from './store.js';

/**
 * The identity part of the storage contract: people, their sessions and memberships, roles,
 * invitations, viewer tokens and the management of API keys. Reads hang off the store
 * (`store.identity`), writes off a transaction (`tx.identity`), so that every change commits
 * together with the event that records it. Every method that touches an org's data takes the
 * org and filters by it in SQL.
 */

export interface UserRecord {
  id: string;
  /** Lowercase. */
  email: string;
  name: string;
  password_hash: string;
  created_at: string;
  password_changed_at: string;
}

/**
 * A person's standing in one org: the API's member (src/contracts/api.ts) with its org, joined
 * at `created_at`; `permissions` already resolves built-in and custom roles.
 */
export interface MemberRecord extends Omit<Member, 'joined_at'> {
  org: string;
  org_name: string;
  created_at: string;
}

export interface RoleRecord {
  id: string;
  org: string;
  name: string;
  permissions: Permission[];
  created_at: string;
  updated_at: string;
  created_by: string | null;
}

export interface SessionRecord {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  /** Absolute expiry; the idle expiry is `last_seen_at` plus the configured idle time. */
  expires_at: string;
  revoked_at: string | null;
  ip: string | null;
  user_agent: string | null;
}

export interface InvitationRecord {
  id: string;
  org: string;
  email: string;
  role: string;
  token_hash: string;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_by: string | null;
}

export interface ViewerTokenRecord {
  id: string;
  org: string;
  token_hash: string;
  workspace: string | null;
  actor: string | null;
  created_at: string;
  expires_at: string;
  /** The API key (or person) that minted it. */
  created_by: string | null;
  revoked_at: string | null;
}

/** An API key as listed to people: never the hash; who created it, by email when a person did. */
export type ApiKeyListing = Omit<ApiKeyRecord, 'key_hash'> & { created_by_email: string | null };

export interface OrgPatch {
  name?: string;
  retention_days?: number;
  request_retention_days?: number;
  legal_hold?: boolean;
}

export interface IdentityReads {
  countUsers(): Promise<number>;
  getUser(id: string): Promise<UserRecord | undefined>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findSessionByHash(tokenHash: string): Promise<SessionRecord | undefined>;
  findViewerTokenByHash(tokenHash: string): Promise<ViewerTokenRecord | undefined>;
  findInvitationByHash(tokenHash: string): Promise<InvitationRecord | undefined>;
  /** Every org the user belongs to, by org name. */
  membershipsOf(userId: string): Promise<MemberRecord[]>;
  getMember(org: string, userId: string): Promise<MemberRecord | undefined>;
  listMembers(org: string): Promise<MemberRecord[]>;
  /** Invitations neither accepted nor expired at `now`. */
  listPendingInvitations(org: string, now: string): Promise<InvitationRecord[]>;
  /** Custom roles only; built-in roles live in code. */
  listRoles(org: string): Promise<RoleRecord[]>;
  getRole(org: string, id: string): Promise<RoleRecord | undefined>;
  /** Keys that are not deleted, newest first. */
  listApiKeys(org: string): Promise<ApiKeyListing[]>;
  getApiKey(org: string, id: string): Promise<ApiKeyListing | undefined>;
}

export interface IdentityWrites {
  /** Conflict when the email is taken. */
  createUser(user: Omit<UserRecord, 'password_changed_at'>): Promise<UserRecord>;
  setPassword(userId: string, passwordHash: string, at: string): Promise<void>;

  getMember(org: string, userId: string): Promise<MemberRecord | undefined>;
  /** Conflict when already a member. */
  addMember(org: string, userId: string, role: string, at: string): Promise<void>;
  setMemberRole(org: string, userId: string, role: string): Promise<void>;
  removeMember(org: string, userId: string): Promise<void>;
  countMembersWithRole(org: string, role: string): Promise<number>;

  getRole(org: string, id: string): Promise<RoleRecord | undefined>;
  /** Conflict when the name is taken in the org. */
  createRole(role: RoleRecord): Promise<RoleRecord>;
  updateRole(
    org: string,
    id: string,
    patch: { name?: string; permissions?: Permission[] },
    at: string,
  ): Promise<RoleRecord | undefined>;
  deleteRole(org: string, id: string): Promise<void>;

  createInvitation(invitation: InvitationRecord): Promise<void>;
  /** Marks it used; false when it was already used or has expired (single use, checked in SQL). */
  acceptInvitation(id: string, userId: string, at: string): Promise<boolean>;

  createSession(session: Omit<SessionRecord, 'revoked_at'>): Promise<void>;
  touchSession(id: string, at: string): Promise<void>;
  revokeSession(id: string, at: string): Promise<void>;
  /** Revokes every live session of the user; returns how many. */
  revokeUserSessions(userId: string, at: string): Promise<number>;

  createViewerToken(token: Omit<ViewerTokenRecord, 'revoked_at'>): Promise<void>;
  getViewerToken(org: string, id: string): Promise<ViewerTokenRecord | undefined>;
  /**
   * Revokes the org's live tokens with this id, or minted by this key (`createdBy`); returns how
   * many were live.
   */
  revokeViewerTokens(org: string, which: { id: string } | { createdBy: string }, at: string): Promise<number>;

  getApiKey(org: string, id: string): Promise<ApiKeyListing | undefined>;
  setApiKeyStatus(org: string, id: string, status: 'active' | 'disabled'): Promise<void>;
  /** Soft delete: the row stays (events name it) and authentication refuses it. */
  deleteApiKey(org: string, id: string, at: string): Promise<void>;
  touchApiKey(id: string, at: string): Promise<void>;

  updateOrg(id: string, patch: OrgPatch): Promise<Org | undefined>;

  /**
   * Records that `principal` viewed the org's log at `at` unless it did within `windowMs`;
   * true when this call is the one that records it (so its event should be written).
   */
  claimView(org: string, principal: string, at: string, windowMs: number): Promise<boolean>;
}
