import { type Kysely, sql } from 'kysely';

/**
 * People and access (the same tables as SQLite's 003_identity): users and their sessions
 * (deployment-wide), and per org the memberships, custom roles, invitations, viewer tokens and
 * the "last viewed" marks that throttle `audit_log.viewed`. Every org table's key leads with the
 * org. Secrets are stored as SHA-256 hashes of 256-bit random tokens.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute integer`.execute(db);
  await sql`ALTER TABLE api_keys ADD COLUMN deleted_at timestamptz`.execute(db);
  await sql`
    CREATE TABLE users (
      id text PRIMARY KEY,
      email text NOT NULL UNIQUE,
      name text NOT NULL,
      password_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      password_changed_at timestamptz NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE memberships (
      org_id text NOT NULL REFERENCES orgs (id),
      user_id text NOT NULL REFERENCES users (id),
      role text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, user_id)
    )`.execute(db);
  await sql`CREATE INDEX memberships_user ON memberships (user_id)`.execute(db);
  await sql`
    CREATE TABLE roles (
      org_id text NOT NULL REFERENCES orgs (id),
      id text NOT NULL,
      name text NOT NULL,
      permissions jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      created_by text,
      PRIMARY KEY (org_id, id),
      UNIQUE (org_id, name)
    )`.execute(db);
  await sql`
    CREATE TABLE invitations (
      org_id text NOT NULL REFERENCES orgs (id),
      id text NOT NULL,
      email text NOT NULL,
      role text NOT NULL,
      token_hash text NOT NULL UNIQUE,
      created_by text,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      accepted_at timestamptz,
      accepted_by text,
      PRIMARY KEY (org_id, id)
    )`.execute(db);
  await sql`
    CREATE TABLE sessions (
      id text PRIMARY KEY,
      token_hash text NOT NULL UNIQUE,
      user_id text NOT NULL REFERENCES users (id),
      created_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      ip text,
      user_agent text
    )`.execute(db);
  await sql`CREATE INDEX sessions_user ON sessions (user_id)`.execute(db);
  await sql`
    CREATE TABLE viewer_tokens (
      org_id text NOT NULL REFERENCES orgs (id),
      id text NOT NULL,
      token_hash text NOT NULL UNIQUE,
      workspace text,
      actor text,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      created_by text,
      PRIMARY KEY (org_id, id)
    )`.execute(db);
  await sql`
    CREATE TABLE log_views (
      org_id text NOT NULL REFERENCES orgs (id),
      principal text NOT NULL,
      viewed_at timestamptz NOT NULL,
      PRIMARY KEY (org_id, principal)
    )`.execute(db);
}
