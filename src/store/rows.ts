import type { Selectable } from 'kysely';
import type { StoredEvent } from '../domain/event.js';
import type { ApiKeyScope } from '../domain/principal.js';
import { type IdentityTables, isoTime, jsonList } from './identity-tables.js';
import type { ApiKeyRecord, Org } from './store.js';

/**
 * Rows of the core tables as the store answers them, from either backend's representation
 * (tables.ts): times as ISO 8601 text or Date, flags as 0/1 or booleans, lists as JSON text or
 * arrays.
 */

export function orgFromRow(row: Selectable<IdentityTables['orgs']>): Org {
  return {
    id: row.id,
    name: row.name,
    created_at: isoTime(row.created_at),
    retention_days: row.retention_days,
    request_retention_days: row.request_retention_days,
    legal_hold: row.legal_hold === true || row.legal_hold === 1,
  };
}

export function apiKeyFromRow(row: Selectable<IdentityTables['api_keys']>): ApiKeyRecord {
  return {
    id: row.id,
    org: row.org_id,
    name: row.name,
    prefix: row.prefix,
    last4: row.last4,
    scopes: jsonList<ApiKeyScope>(row.scopes),
    key_hash: row.key_hash,
    status: row.status as ApiKeyRecord['status'],
    created_at: isoTime(row.created_at),
    created_by: row.created_by,
    last_used_at: isoTime(row.last_used_at),
    expires_at: isoTime(row.expires_at),
    rate_limit_per_minute: row.rate_limit_per_minute === null ? null : Number(row.rate_limit_per_minute),
  };
}

/** The body is the canonical JSON that was hashed; the chain fields are stored beside it. */
export function eventFromRow(row: { body: string; prev_hash: string; hash: string }): StoredEvent {
  const event = JSON.parse(row.body) as StoredEvent;
  event.prev_hash = row.prev_hash;
  event.hash = row.hash;
  return event;
}
