import { type Kysely, sql } from 'kysely';

/**
 * People and access: users and their sessions (deployment-wide), and per org the memberships,
 * custom roles, invitations, viewer tokens and the "last viewed" marks that throttle
 * `audit_log.viewed`. Every org table's key leads with the org. Secrets (sessions, invitations,
 * viewer tokens) are stored as SHA-256 hashes of 256-bit random tokens.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute INTEGER`.execute(db);
  await sql`ALTER TABLE api_keys ADD COLUMN deleted_at TEXT`.execute(db);
  await sql`
    CREATE TABLE users (
      id TEXT PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      password_changed_at TEXT NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE memberships (
      org_id TEXT NOT NULL REFERENCES orgs(id),
      user_id TEXT NOT NULL REFERENCES users(id),
      role TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (org_id, user_id)
    )`.execute(db);
  await sql`CREATE INDEX memberships_user ON memberships (user_id)`.execute(db);
  await sql`
    CREATE TABLE roles (
      org_id TEXT NOT NULL REFERENCES orgs(id),
      id TEXT NOT NULL,
      name TEXT NOT NULL,
      permissions TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      created_by TEXT,
      PRIMARY KEY (org_id, id),
      UNIQUE (org_id, name)
    )`.execute(db);
  await sql`
    CREATE TABLE invitations (
      org_id TEXT NOT NULL REFERENCES orgs(id),
      id TEXT NOT NULL,
      email TEXT NOT NULL,
      role TEXT NOT NULL,
      token_hash TEXT NOT NULL UNIQUE,
      created_by TEXT,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      accepted_at TEXT,
      accepted_by TEXT,
      PRIMARY KEY (org_id, id)
    )`.execute(db);
  await sql`
    CREATE TABLE sessions (
      id TEXT PRIMARY KEY,
      token_hash TEXT NOT NULL UNIQUE,
      user_id TEXT NOT NULL REFERENCES users(id),
      created_at TEXT NOT NULL,
      last_seen_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      revoked_at TEXT,
      ip TEXT,
      user_agent TEXT
    )`.execute(db);
  await sql`CREATE INDEX sessions_user ON sessions (user_id)`.execute(db);
  await sql`
    CREATE TABLE viewer_tokens (
      org_id TEXT NOT NULL REFERENCES orgs(id),
      id TEXT NOT NULL,
      token_hash TEXT NOT NULL UNIQUE,
      workspace TEXT,
      actor TEXT,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      created_by TEXT,
      PRIMARY KEY (org_id, id)
    )`.execute(db);
  await sql`
    CREATE TABLE log_views (
      org_id TEXT NOT NULL REFERENCES orgs(id),
      principal TEXT NOT NULL,
      viewed_at TEXT NOT NULL,
      PRIMARY KEY (org_id, principal)
    )`.execute(db);
}
