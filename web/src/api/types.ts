/**
 * Wire shapes of the /v1 API the dashboard reads. The event comes from the server's own domain
 * types (type-only import: nothing of the server is bundled); the rest follow the API contract.
 */
export type { StoredEvent as AuditEvent } from '../../../src/domain/event.js';

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

export const PERMISSION_LABELS: Record<Permission, string> = {
  viewAuditLog: 'View audit log',
  exportAuditLog: 'Export audit log',
  manageMembers: 'Manage members',
  manageApiKeys: 'Manage API keys',
  manageAlerts: 'Manage alerts',
  manageStreams: 'Manage streams',
  manageSettings: 'Manage settings',
};

export interface User {
  id: string;
  email: string;
  name: string;
}

export interface Membership {
  id: string;
  name: string;
  /** Role id: owner, admin, member or a custom role's id. */
  role: string;
  role_name?: string;
  permissions: string[];
}

/** Body of POST /v1/auth/login and GET /v1/auth/me. */
export interface SessionInfo {
  user: User;
  orgs: Membership[];
  csrf_token: string;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface ActionCount {
  action: string;
  count: number;
}

/** A verification report (POST /v1/chain/verify; the last one is in GET /v1/chain). */
export interface Verification {
  ok: boolean;
  checked: number;
  first_seq?: number | null;
  last_seq: number | null;
  checkpoints_checked?: number;
  pruned?: number;
  failure?: { seq?: number; reason?: string; detail?: string } | string | null;
  verified_at: string;
}

export interface ChainStatus {
  org: string;
  head: { seq: number; hash: string };
  checkpoint?: { seq: number; hash: string; signed_at: string; key_id: string; signature: string } | null;
  last_verification?: Verification | null;
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
  /** Role id. */
  role: string;
  role_name?: string;
  permissions?: string[];
  joined_at?: string;
}

export interface PendingInvitation {
  id: string;
  email: string;
  role: string;
  created_at: string;
  expires_at: string;
}

export interface MemberList {
  data: Member[];
  invitations?: PendingInvitation[];
}

export interface Role {
  id: string;
  name: string;
  permissions: string[];
  built_in?: boolean;
}

export interface Invitation {
  id: string;
  email: string;
  role: string;
  expires_at: string;
  accept_url: string;
}

export const API_KEY_SCOPES = ['events:write', 'events:read', 'admin'] as const;

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  last4: string;
  scopes: string[];
  status: 'active' | 'disabled';
  created_at: string;
  created_by?: string | null;
  created_by_email?: string | null;
  last_used_at: string | null;
  expires_at: string | null;
  rate_limit_per_minute?: number | null;
}

export interface CreatedApiKey extends ApiKey {
  key: string;
}
