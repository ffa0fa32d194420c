import { type Static, Type } from '@sinclair/typebox';
import { DEPLOYMENT_KEY_SCOPES, PERMISSIONS } from './permissions.js';
import { NullableString, StringEnum } from './schema-helpers.js';

/**
 * The /v1 API's resources as the server sends them and the dashboard reads them, defined once as
 * schemas: the routes document and serialize their answers with them, and both sides take their
 * types. Properties are in the order the server writes them, which the serializer follows.
 * Events are in event.ts, the integrity API in chain.ts.
 */

const RoleId = Type.String({ description: 'owner, admin, member or a custom role id' });

/** The body of login, `me` and invitation acceptance (the dashboard's view of who it is). */
export const SessionViewSchema = Type.Object({
  user: Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() }),
  orgs: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      role: RoleId,
      role_name: Type.String(),
      permissions: Type.Array(Type.String()),
    }),
  ),
  csrf_token: Type.String({ description: 'send it back as X-CSRF-Token on writes made with the cookie' }),
});
export type SessionView = Static<typeof SessionViewSchema>;
/** One org of a session: the person's role in it and what that role may do. */
export type Membership = SessionView['orgs'][number];

/** A list and where the next page starts (null: this was the last). */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** GET /v1/actions: the distinct actions in a time range. */
export const ActionCountSchema = Type.Object({ action: Type.String(), count: Type.Integer() });
export type ActionCount = Static<typeof ActionCountSchema>;

export const OrgSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  created_at: Type.String(),
  retention_days: Type.Integer(),
  request_retention_days: Type.Integer(),
  legal_hold: Type.Boolean(),
});
export type Org = Static<typeof OrgSchema>;

export const MemberSchema = Type.Object({
  user_id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: RoleId,
  role_name: Type.String(),
  permissions: Type.Array(StringEnum(PERMISSIONS)),
  joined_at: Type.String(),
});
export type Member = Static<typeof MemberSchema>;

/** Who an invitation is for, as both its views begin. */
const InvitationFields = { id: Type.String(), email: Type.String(), role: RoleId };

export const PendingInvitationSchema = Type.Object({
  ...InvitationFields,
  created_at: Type.String(),
  expires_at: Type.String(),
});
export type PendingInvitation = Static<typeof PendingInvitationSchema>;

/** GET /v1/members. */
export const MemberListSchema = Type.Object({
  data: Type.Array(MemberSchema),
  invitations: Type.Array(PendingInvitationSchema),
});
export type MemberList = Static<typeof MemberListSchema>;

/** POST /v1/members/invitations: the single-use link, shown once. */
export const InvitationSchema = Type.Object({
  ...InvitationFields,
  expires_at: Type.String(),
  accept_url: Type.String(),
  delivery: StringEnum(
    ['smtp', 'log', 'failed'],
    'how the link was delivered: by SMTP, or written to the server log',
  ),
});
export type Invitation = Static<typeof InvitationSchema>;

/** A role as listed: built-in ones first, then the org's custom roles. */
export const RoleSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  built_in: Type.Boolean(),
  permissions: Type.Array(StringEnum(PERMISSIONS)),
  created_at: Type.Union([Type.String(), Type.Null()], { description: 'null for built-in roles' }),
  updated_at: Type.Union([Type.String(), Type.Null()], { description: 'null for built-in roles' }),
});
export type Role = Static<typeof RoleSchema>;

/** GET /v1/roles: the roles, and every permission a custom role can be given. */
export const RoleListSchema = Type.Object({
  data: Type.Array(RoleSchema),
  permissions: Type.Array(StringEnum(PERMISSIONS)),
});
export type RoleList = Static<typeof RoleListSchema>;

/** The fields both views of an API key share, in three groups so that each keeps its order. */
const KeyName = { id: Type.String(), name: Type.String() };
const KeyFields = {
  prefix: Type.String(),
  last4: Type.String(),
  scopes: Type.Array(StringEnum(DEPLOYMENT_KEY_SCOPES)),
  status: StringEnum(['active', 'disabled']),
  created_at: Type.String(),
  created_by: Type.Union([Type.String(), Type.Null()], {
    description: 'the user or key that created it; null for keys made by the CLI or at first start',
  }),
};
const KeyLimits = {
  expires_at: NullableString,
  rate_limit_per_minute: Type.Union([Type.Integer(), Type.Null()], {
    description: 'requests per minute this key may make; null: no per-key limit',
  }),
};

/** An API key as people see it: never its hash or secret. */
export const ApiKeySchema = Type.Object({
  ...KeyName,
  ...KeyFields,
  created_by_email: NullableString,
  last_used_at: NullableString,
  ...KeyLimits,
});
export type ApiKey = Static<typeof ApiKeySchema>;

/** A key just created: the one time its secret (`key`) is shown. */
export const CreatedApiKeySchema = Type.Object({
  ...KeyName,
  key: Type.String({ description: 'the secret; shown this once' }),
  ...KeyFields,
  ...KeyLimits,
});
export type CreatedApiKey = Static<typeof CreatedApiKeySchema>;

/** POST /v1/viewer-tokens: a read-only token for the embedded viewer, shown once. */
export const MintedViewerTokenSchema = Type.Object({
  id: Type.String(),
  token: Type.String({ description: 'tmv_…; give it to the embedded viewer' }),
  expires_at: Type.String(),
  workspace: NullableString,
  actor: NullableString,
});
export type MintedViewerToken = Static<typeof MintedViewerTokenSchema>;
