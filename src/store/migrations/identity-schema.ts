import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';
import { optional, orgThings, required, rowPer } from './table-builders.js';

/**
 * People and access (migration 003_identity on both backends): users and their sessions
 * (deployment-wide), and per org the memberships, custom roles, invitations, viewer tokens and
 * the "last viewed" marks that throttle `audit_log.viewed`. Every org table's key leads with the
 * org. Secrets (sessions, invitations, viewer tokens) are stored as SHA-256 hashes of 256-bit
 * random tokens. Constraints carry the names PostgreSQL gives unnamed ones.
 */
export async function createIdentityTables(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('rate_limit_per_minute', 'integer').execute();
  await db.schema.alterTable('api_keys').addColumn('deleted_at', t.time).execute();
  await rowPer(db, 'users', 'id', 'text')
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .$call(required('text', 'name', 'password_hash'))
    .$call(required(t.time, 'created_at', 'password_changed_at'))
    .execute();
  await db.schema
    .createTable('memberships')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .$call(required('text', 'role'))
    .$call(required(t.time, 'created_at'))
    .addPrimaryKeyConstraint('memberships_pkey', ['org_id', 'user_id'])
    .execute();
  await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
  await orgThings(db, 'roles')
    .addUniqueConstraint('roles_org_id_name_key', ['org_id', 'name'])
    .$call(required('text', 'name'))
    .$call(required(t.json, 'permissions'))
    .$call(required(t.time, 'created_at', 'updated_at'))
    .$call(optional('text', 'created_by'))
    .execute();
  await orgThings(db, 'invitations')
    .$call(required('text', 'email', 'role'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .$call(optional('text', 'created_by'))
    .$call(required(t.time, 'created_at', 'expires_at'))
    .$call(optional(t.time, 'accepted_at'))
    .$call(optional('text', 'accepted_by'))
    .execute();
  await rowPer(db, 'sessions', 'id', 'text')
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .$call(required(t.time, 'created_at', 'last_seen_at', 'expires_at'))
    .$call(optional(t.time, 'revoked_at'))
    .$call(optional('text', 'ip', 'user_agent'))
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
  await orgThings(db, 'viewer_tokens')
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .$call(optional('text', 'workspace', 'actor'))
    .$call(required(t.time, 'created_at', 'expires_at'))
    .$call(optional('text', 'created_by'))
    .execute();
  await db.schema
    .createTable('log_views')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .$call(required('text', 'principal'))
    .$call(required(t.time, 'viewed_at'))
    .addPrimaryKeyConstraint('log_views_pkey', ['org_id', 'principal'])
    .execute();
}
