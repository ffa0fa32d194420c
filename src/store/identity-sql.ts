import type { Kysely, Selectable, Transaction } from 'kysely';
import { AppError } from '../domain/errors.js';
import { BUILT_IN_PERMISSIONS, isBuiltInRole, type Permission } from '../domain/permissions.js';
import type {
  ApiKeyListing,
  IdentityReads,
  IdentityWrites,
  InvitationRecord,
  MemberRecord,
  RoleRecord,
  SessionRecord,
  UserRecord,
  ViewerTokenRecord,
} from './identity-store.js';
import { type IdentityTables, isoTime, jsonList } from './identity-tables.js';
import { hasNul } from './nul.js';
import { apiKeyFromRow, orgFromRow } from './rows.js';
import type { StoreTx } from './store.js';

/**
 * The identity queries, written once for both backends: they use only what SQLite and
 * PostgreSQL share (ON CONFLICT, RETURNING, ISO text parameters for times, JSON text for lists).
 * What differs is passed in as a small adapter.
 */
export interface IdentityDialect {
  /** The stored form of the org's legal hold flag (0/1 on SQLite, boolean on PostgreSQL). */
  legalHold(value: boolean): number | boolean;
  /** The stored form of a key's scopes (JSON text on SQLite, text[] on PostgreSQL). */
  nameList(values: readonly string[]): string | string[];
  /** Unique-constraint violations, to report them as conflicts. */
  isUniqueViolation(error: unknown): boolean;
}

type Db = Kysely<IdentityTables>;

function userFromRow(row: Selectable<IdentityTables['users']>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    password_hash: row.password_hash,
    created_at: isoTime(row.created_at),
    password_changed_at: isoTime(row.password_changed_at),
  };
}

type WithIsoTimes<R, K extends keyof R> = Omit<R, K> & {
  [P in K]: null extends R[P] ? string | null : string;
};

/** `row` with its time columns as ISO text, the records' form, whatever the driver read. */
function withIsoTimes<R extends object, K extends keyof R>(row: R, times: readonly K[]): WithIsoTimes<R, K> {
  const record: Record<keyof R, unknown> = { ...row };
  for (const column of times) record[column] = isoTime(row[column] as string | Date | null);
  return record as WithIsoTimes<R, K>;
}

/** A row of an org's table as its record: `org_id` named `org`, its time columns ISO text. */
function orgRecord<R extends { org_id: string }, K extends Exclude<keyof R, 'org_id'>>(
  row: R,
  times: readonly K[],
) {
  const { org_id, ...rest } = row;
  return { ...withIsoTimes(rest, times), org: org_id };
}

function sessionFromRow(row: Selectable<IdentityTables['sessions']>): SessionRecord {
  return withIsoTimes(row, ['created_at', 'last_seen_at', 'expires_at', 'revoked_at']);
}

function invitationFromRow(row: Selectable<IdentityTables['invitations']>): InvitationRecord {
  return orgRecord(row, ['created_at', 'expires_at', 'accepted_at']);
}

function viewerTokenFromRow(row: Selectable<IdentityTables['viewer_tokens']>): ViewerTokenRecord {
  return orgRecord(row, ['created_at', 'expires_at', 'revoked_at']);
}

function roleFromRow(row: Selectable<IdentityTables['roles']>): RoleRecord {
  return {
    id: row.id,
    org: row.org_id,
    name: row.name,
    permissions: jsonList<Permission>(row.permissions),
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
    created_by: row.created_by,
  };
}

/** Members with their role resolved: built-in roles from code, custom ones from `roles`. */
function membersQuery(db: Db) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('orgs as o', 'o.id', 'm.org_id')
    .leftJoin('roles as r', (join) => join.onRef('r.org_id', '=', 'm.org_id').onRef('r.id', '=', 'm.role'))
    .select([
      'm.org_id',
      'o.name as org_name',
      'm.user_id',
      'u.email',
      'u.name',
      'm.role',
      'm.created_at',
      'r.name as role_name',
      'r.permissions',
    ]);
}

type MemberRow = {
  org_id: string;
  org_name: string;
  user_id: string;
  email: string;
  name: string;
  role: string;
  created_at: string | Date;
  role_name: string | null;
  permissions: string | unknown[] | null;
};

function memberFromRow(row: MemberRow): MemberRecord {
  const role = row.role;
  const builtIn = isBuiltInRole(role);
  return {
    org: row.org_id,
    org_name: row.org_name,
    user_id: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    // A custom role that no longer exists grants nothing (deleting a role in use is refused).
    role_name: builtIn ? row.role : (row.role_name ?? row.role),
    permissions: builtIn
      ? [...BUILT_IN_PERMISSIONS[role]]
      : row.permissions === null
        ? []
        : jsonList<Permission>(row.permissions),
    created_at: isoTime(row.created_at),
  };
}

function keyListingQuery(db: Db) {
  return db
    .selectFrom('api_keys as k')
    .leftJoin('users as u', 'u.id', 'k.created_by')
    .selectAll('k')
    .select('u.email as created_by_email');
}

function keyListing(row: Selectable<IdentityTables['api_keys']> & { created_by_email: string | null }) {
  const { key_hash: _hash, ...key } = apiKeyFromRow(row);
  return { ...key, created_by_email: row.created_by_email } satisfies ApiKeyListing;
}

/** The tables that keep secrets as SHA-256 hashes of random tokens, each with a unique `token_hash`. */
type TokenTable = 'sessions' | 'viewer_tokens' | 'invitations';

/** The row whose token hashes to `tokenHash` (tokens are global: their lookup takes no org). */
function byTokenHash<T extends TokenTable>(db: Db, table: T, tokenHash: string) {
  // Kysely cannot type a query over a table name left generic: it is typed over the three, and
  // the row is the one of the table named.
  const rows = db.selectFrom(table as TokenTable).selectAll();
  return rows.where('token_hash', '=', tokenHash).executeTakeFirst() as Promise<
    Selectable<IdentityTables[T]> | undefined
  >;
}

/**
 * The record of the one row `query` finds, if any. Keys holding NUL find none, without asking
 * the database (nul.ts).
 */
async function findOne<Row, R>(
  keys: string[],
  query: () => { executeTakeFirst(): Promise<Row | undefined> },
  fromRow: (row: Row) => R,
): Promise<R | undefined> {
  if (hasNul(...keys)) return undefined;
  const row = await query().executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

function getMember(db: Db, org: string, userId: string): Promise<MemberRecord | undefined> {
  return findOne(
    [org, userId],
    () => membersQuery(db).where('m.org_id', '=', org).where('m.user_id', '=', userId),
    memberFromRow,
  );
}

function getRole(db: Db, org: string, id: string): Promise<RoleRecord | undefined> {
  return findOne(
    [org, id],
    () => db.selectFrom('roles').selectAll().where('org_id', '=', org).where('id', '=', id),
    roleFromRow,
  );
}

function getApiKey(db: Db, org: string, id: string): Promise<ApiKeyListing | undefined> {
  return findOne(
    [org, id],
    () =>
      keyListingQuery(db)
        .where('k.org_id', '=', org)
        .where('k.id', '=', id)
        .where('k.status', '!=', 'deleted'),
    keyListing,
  );
}

export function identityReads(db: Db): IdentityReads {
  return {
    async countUsers() {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    getUser: (id) =>
      findOne([id], () => db.selectFrom('users').selectAll().where('id', '=', id), userFromRow),
    findUserByEmail: (email) =>
      findOne(
        [email],
        () => db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()),
        userFromRow,
      ),
    async findSessionByHash(tokenHash) {
      const row = await byTokenHash(db, 'sessions', tokenHash);
      return row && sessionFromRow(row);
    },
    async findViewerTokenByHash(tokenHash) {
      const row = await byTokenHash(db, 'viewer_tokens', tokenHash);
      return row && viewerTokenFromRow(row);
    },
    async findInvitationByHash(tokenHash) {
      const row = await byTokenHash(db, 'invitations', tokenHash);
      return row && invitationFromRow(row);
    },
    async membershipsOf(userId) {
      if (hasNul(userId)) return [];
      const rows = await membersQuery(db).where('m.user_id', '=', userId).orderBy('o.name').execute();
      return rows.map(memberFromRow);
    },
    getMember: (org, userId) => getMember(db, org, userId),
    async listMembers(org) {
      if (hasNul(org)) return [];
      const rows = await membersQuery(db).where('m.org_id', '=', org).orderBy('u.email').execute();
      return rows.map(memberFromRow);
    },
    async listPendingInvitations(org, now) {
      if (hasNul(org)) return [];
      const rows = await db
        .selectFrom('invitations')
        .selectAll()
        .where('org_id', '=', org)
        .where('accepted_at', 'is', null)
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(invitationFromRow);
    },
    async listRoles(org) {
      if (hasNul(org)) return [];
      const rows = await db
        .selectFrom('roles')
        .selectAll()
        .where('org_id', '=', org)
        .orderBy('name')
        .execute();
      return rows.map(roleFromRow);
    },
    getRole: (org, id) => getRole(db, org, id),
    async listApiKeys(org) {
      if (hasNul(org)) return [];
      const rows = await keyListingQuery(db)
        .where('k.org_id', '=', org)
        .where('k.status', '!=', 'deleted')
        .orderBy('k.created_at', 'desc')
        .orderBy('k.id', 'desc')
        .execute();
      return rows.map(keyListing);
    },
    getApiKey: (org, id) => getApiKey(db, org, id),
  };
}

/** The identity writes on `trx`, a transaction of the backend: they commit with its events. */
export function identityWrites(trx: Db, dialect: IdentityDialect): IdentityWrites {
  const unique = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (dialect.isUniqueViolation(error)) throw new AppError('conflict', what);
      throw error;
    }
  };
  return {
    async createUser(user) {
      const row = await unique(`a user with email ${user.email} already exists`, () =>
        trx
          .insertInto('users')
          .values({ ...user, email: user.email.toLowerCase(), password_changed_at: user.created_at })
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
      return userFromRow(row);
    },
    async setPassword(userId, passwordHash, at) {
      await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, password_changed_at: at })
        .where('id', '=', userId)
        .execute();
    },

    getMember: (org, userId) => getMember(trx, org, userId),
    async addMember(org, userId, role, at) {
      await unique(`user ${userId} is already a member of ${org}`, () =>
        trx
          .insertInto('memberships')
          .values({ org_id: org, user_id: userId, role, created_at: at })
          .execute(),
      );
    },
    async setMemberRole(org, userId, role) {
      await trx
        .updateTable('memberships')
        .set({ role })
        .where('org_id', '=', org)
        .where('user_id', '=', userId)
        .execute();
    },
    async removeMember(org, userId) {
      await trx.deleteFrom('memberships').where('org_id', '=', org).where('user_id', '=', userId).execute();
    },
    async countMembersWithRole(org, role) {
      const row = await trx
        .selectFrom('memberships')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('org_id', '=', org)
        .where('role', '=', role)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    getRole: (org, id) => getRole(trx, org, id),
    async createRole(role) {
      const row = await unique(`a role named ${role.name} already exists`, () =>
        trx
          .insertInto('roles')
          .values({
            org_id: role.org,
            id: role.id,
            name: role.name,
            permissions: JSON.stringify(role.permissions),
            created_at: role.created_at,
            updated_at: role.updated_at,
            created_by: role.created_by,
          })
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
      return roleFromRow(row);
    },
    async updateRole(org, id, patch, at) {
      const set: { name?: string; permissions?: string; updated_at: string } = { updated_at: at };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.permissions !== undefined) set.permissions = JSON.stringify(patch.permissions);
      const row = await unique(`a role named ${patch.name} already exists`, () =>
        trx
          .updateTable('roles')
          .set(set)
          .where('org_id', '=', org)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst(),
      );
      return row && roleFromRow(row);
    },
    async deleteRole(org, id) {
      await trx.deleteFrom('roles').where('org_id', '=', org).where('id', '=', id).execute();
    },

    async createInvitation(invitation) {
      const { org, ...rest } = invitation;
      await trx
        .insertInto('invitations')
        .values({ ...rest, org_id: org })
        .execute();
    },
    async acceptInvitation(id, userId, at) {
      const result = await trx
        .updateTable('invitations')
        .set({ accepted_at: at, accepted_by: userId })
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .where('expires_at', '>', at)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async createSession(session) {
      await trx.insertInto('sessions').values(session).execute();
    },
    async touchSession(id, at) {
      await trx.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
    },
    async revokeSession(id, at) {
      await trx
        .updateTable('sessions')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    },
    async revokeUserSessions(userId, at) {
      const result = await trx
        .updateTable('sessions')
        .set({ revoked_at: at })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async createViewerToken(token) {
      const { org, ...rest } = token;
      await trx
        .insertInto('viewer_tokens')
        .values({ ...rest, org_id: org })
        .execute();
    },
    async getViewerToken(org, id) {
      const row = await trx
        .selectFrom('viewer_tokens')
        .selectAll()
        .where('org_id', '=', org)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && viewerTokenFromRow(row);
    },
    async revokeViewerTokens(org, which, at) {
      const result = await trx
        .updateTable('viewer_tokens')
        .set({ revoked_at: at })
        .where('org_id', '=', org)
        .where('id' in which ? 'id' : 'created_by', '=', 'id' in which ? which.id : which.createdBy)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    getApiKey: (org, id) => getApiKey(trx, org, id),
    async setApiKeyStatus(org, id, status) {
      await trx
        .updateTable('api_keys')
        .set({ status })
        .where('org_id', '=', org)
        .where('id', '=', id)
        .where('status', '!=', 'deleted')
        .execute();
    },
    async deleteApiKey(org, id, at) {
      await trx
        .updateTable('api_keys')
        .set({ status: 'deleted', deleted_at: at })
        .where('org_id', '=', org)
        .where('id', '=', id)
        .execute();
    },
    async touchApiKey(id, at) {
      await trx.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },

    async updateOrg(id, patch) {
      const set: Partial<{
        name: string;
        retention_days: number;
        request_retention_days: number;
        legal_hold: number | boolean;
      }> = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.retention_days !== undefined) set.retention_days = patch.retention_days;
      if (patch.request_retention_days !== undefined)
        set.request_retention_days = patch.request_retention_days;
      if (patch.legal_hold !== undefined) set.legal_hold = dialect.legalHold(patch.legal_hold);
      if (Object.keys(set).length) await trx.updateTable('orgs').set(set).where('id', '=', id).execute();
      const row = await trx.selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst();
      return row && orgFromRow(row);
    },

    async claimView(org, principal, at, windowMs) {
      const before = new Date(Date.parse(at) - windowMs).toISOString();
      const row = await trx
        .insertInto('log_views')
        .values({ org_id: org, principal, viewed_at: at })
        .onConflict((oc) =>
          oc
            .columns(['org_id', 'principal'])
            .doUpdateSet({ viewed_at: at })
            .where('log_views.viewed_at', '<=', before),
        )
        .returning('viewed_at')
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

/** The org and API key writes of a transaction (StoreTx), besides identity's. */
export function orgAndKeyWrites(
  trx: Transaction<IdentityTables>,
  dialect: IdentityDialect,
): Pick<StoreTx, 'createOrg' | 'createApiKey'> {
  return {
    async createOrg(org) {
      // ON CONFLICT rather than a prior SELECT: two processes creating the same id race safely.
      const row = await trx
        .insertInto('orgs')
        .values({ id: org.id, name: org.name, created_at: new Date().toISOString() })
        .onConflict((oc) => oc.column('id').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new AppError('conflict', `organization ${org.id} already exists`);
      return orgFromRow(row);
    },
    async createApiKey(key) {
      const row = await trx
        .insertInto('api_keys')
        .values({
          id: key.id,
          org_id: key.org,
          name: key.name,
          prefix: key.prefix,
          last4: key.last4,
          scopes: dialect.nameList(key.scopes),
          key_hash: key.key_hash,
          status: key.status ?? 'active',
          created_at: key.created_at,
          created_by: key.created_by,
          expires_at: key.expires_at,
          rate_limit_per_minute: key.rate_limit_per_minute ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return apiKeyFromRow(row);
    },
  };
}
