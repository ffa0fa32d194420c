import type { ApiKeyColumns, OrgColumns } from './tables.js';

/**
 * The identity tables as both backends declare them (migration 003_identity). Times are ISO 8601
 * text on SQLite and timestamptz on PostgreSQL, lists are JSON text (jsonb on PostgreSQL): the
 * shared queries in identity-sql.ts write ISO strings and JSON text, which both accept, and read
 * through `isoTime` and `jsonList`, which accept both representations.
 */
type Time = string | Date;
type Json = string | unknown[];

export interface IdentityTables {
  orgs: OrgColumns<Time, number | boolean>;
  api_keys: ApiKeyColumns<Time, Time | null, Json>;
  users: {
    id: string;
    email: string;
    name: string;
    password_hash: string;
    created_at: Time;
    password_changed_at: Time;
  };
  memberships: {
    org_id: string;
    user_id: string;
    role: string;
    created_at: Time;
  };
  roles: {
    org_id: string;
    id: string;
    name: string;
    permissions: Json;
    created_at: Time;
    updated_at: Time;
    created_by: string | null;
  };
  invitations: {
    org_id: string;
    id: string;
    email: string;
    role: string;
    token_hash: string;
    created_by: string | null;
    created_at: Time;
    expires_at: Time;
    accepted_at: Time | null;
    accepted_by: string | null;
  };
  sessions: {
    id: string;
    token_hash: string;
    user_id: string;
    created_at: Time;
    last_seen_at: Time;
    expires_at: Time;
    revoked_at: Time | null;
    ip: string | null;
    user_agent: string | null;
  };
  viewer_tokens: {
    org_id: string;
    id: string;
    token_hash: string;
    workspace: string | null;
    actor: string | null;
    created_at: Time;
    expires_at: Time;
    created_by: string | null;
    revoked_at: Time | null;
  };
  log_views: {
    org_id: string;
    principal: string;
    viewed_at: Time;
  };
}

export function isoTime(value: Time): string;
export function isoTime(value: Time | null): string | null;
export function isoTime(value: Time | null): string | null {
  if (value === null) return null;
  return value instanceof Date ? value.toISOString() : value;
}

export function jsonList<T>(value: Json): T[] {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T[];
}
