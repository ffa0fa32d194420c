import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

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
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('password_changed_at', t.time, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('memberships')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pkey', ['org_id', 'user_id'])
    .execute();
  await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
  await db.schema
    .createTable('roles')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('permissions', t.json, (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addPrimaryKeyConstraint('roles_pkey', ['org_id', 'id'])
    .addUniqueConstraint('roles_org_id_name_key', ['org_id', 'name'])
    .execute();
  await db.schema
    .createTable('invitations')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('expires_at', t.time, (c) => c.notNull())
    .addColumn('accepted_at', t.time)
    .addColumn('accepted_by', 'text')
    .addPrimaryKeyConstraint('invitations_pkey', ['org_id', 'id'])
    .execute();
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('last_seen_at', t.time, (c) => c.notNull())
    .addColumn('expires_at', t.time, (c) => c.notNull())
    .addColumn('revoked_at', t.time)
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
  await db.schema
    .createTable('viewer_tokens')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('workspace', 'text')
    .addColumn('actor', 'text')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('expires_at', t.time, (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addPrimaryKeyConstraint('viewer_tokens_pkey', ['org_id', 'id'])
    .execute();
  await db.schema
    .createTable('log_views')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('viewed_at', t.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('log_views_pkey', ['org_id', 'principal'])
    .execute();
}
