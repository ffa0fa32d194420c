import type { Selectable } from 'kysely';
import type { StoredEvent } from '../../domain/event.js';
import type { ApiKeyRecord, Org } from '../store.js';
import type { SqliteTables } from './sqlite-schema.js';

type OrgRow = Selectable<SqliteTables['orgs']>;
export type KeyRow = Selectable<SqliteTables['api_keys']>;

export function orgFromRow(row: OrgRow): Org {
  return {
    id: row.id,
    name: row.name,
    created_at: row.created_at,
    retention_days: row.retention_days,
    request_retention_days: row.request_retention_days,
    legal_hold: row.legal_hold === 1,
  };
}

export function keyFromRow(row: KeyRow): ApiKeyRecord {
  const { org_id, deleted_at: _deleted, ...rest } = row;
  return {
    ...rest,
    org: org_id,
    scopes: JSON.parse(row.scopes),
    status: row.status as ApiKeyRecord['status'],
  };
}

export function eventFromRow(row: { body: string; prev_hash: string; hash: string }): StoredEvent {
  const event = JSON.parse(row.body) as StoredEvent;
  event.prev_hash = row.prev_hash;
  event.hash = row.hash;
  return event;
}
