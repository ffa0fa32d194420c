import { Type } from '@sinclair/typebox';
import {
  InvitationSchema,
  type Member,
  MemberListSchema,
  MemberSchema,
  SessionViewSchema,
} from '../../contracts/api.js';
import type { OrgChange } from '../../operations/audited.js';
import { acceptInvitation, inviteMember } from '../../operations/invitations.js';
import { type Actor, changeMemberRole, removeMember } from '../../operations/members.js';
import type { MemberRecord } from '../../store/identity-store.js';
import { type Access, originOf, setSessionCookie } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { orgScopedRoutes, type RequestCause } from './org-scoped.js';
import { Email, Text } from './text.js';

const UserIdParams = Type.Object({ user_id: Text(0, 128) });
const Role = Text(1, 128, 'owner, admin, member or a custom role id');

function member(m: MemberRecord): Member {
  return {
    user_id: m.user_id,
    email: m.email,
    name: m.name,
    role: m.role,
    role_name: m.role_name,
    permissions: m.permissions,
    joined_at: m.created_at,
  };
}

/** The cause of a change to membership, with what the one causing it holds in the org. */
function actorOf(access: Access, cause: RequestCause): Actor {
  return { ...cause, member: access.member, grants: access.grants };
}

/** The change a request asks for, made by the caller as an actor on the org's members. */
function byActor(access: Access, change: OrgChange<RequestCause>): OrgChange<Actor> {
  return { ...change, cause: actorOf(access, change.cause) };
}

export function memberRoutes(app: TypeBoxApp, ctx: AppContext): void {
  const onError = (error: unknown) => app.log.error({ err: error }, 'could not send an invitation');
  const routes = orgScopedRoutes(app, ctx, { tag: 'members', need: 'manageMembers' });

  routes.get(
    '/v1/members',
    {
      summary: "The org's members and pending invitations (manageMembers)",
      response: { 200: MemberListSchema },
    },
    async ({ access }) => {
      const [members, invitations] = await Promise.all([
        ctx.store.identity.listMembers(access.org),
        ctx.store.identity.listPendingInvitations(access.org, ctx.now().toISOString()),
      ]);
      return {
        data: members.map(member),
        invitations: invitations.map((i) => ({
          id: i.id,
          email: i.email,
          role: i.role,
          created_at: i.created_at,
          expires_at: i.expires_at,
        })),
      };
    },
  );

  routes.post(
    '/v1/members/invitations',
    {
      summary: 'Invite a person by email; the single-use link is emailed (SMTP) or logged (manageMembers)',
      body: Type.Object({ email: Email, role: Role }, { additionalProperties: false }),
      response: { 201: InvitationSchema },
    },
    async ({ access, body, cause }) =>
      inviteMember(
        { ...ctx, settings: ctx.auth.settings, onError },
        access.org,
        body,
        actorOf(access, cause),
      ),
  );

  app.post(
    '/v1/invitations/accept',
    {
      schema: {
        tags: ['members'],
        summary: 'Accept an invitation (creating the account if needed); signs the person in',
        security: [],
        body: Type.Object(
          {
            token: Text(1, 256),
            name: Text(1, 200),
            password: Text(1, 1024),
          },
          { additionalProperties: false },
        ),
        response: { 200: SessionViewSchema },
      },
    },
    async (request, reply) => {
      const { view, session } = await acceptInvitation(
        { ...ctx, settings: ctx.auth.settings },
        request.body,
        originOf(request),
      );
      setSessionCookie(request, reply, session);
      return reply.header('cache-control', 'no-store').send(view);
    },
  );

  routes.patch(
    '/v1/members/:user_id',
    {
      summary: "Change a member's role; the last owner cannot be demoted (manageMembers)",
      params: UserIdParams,
      body: Type.Object({ role: Role }, { additionalProperties: false }),
      response: { 200: MemberSchema },
    },
    async ({ access, change, params, body }) =>
      member(await changeMemberRole(byActor(access, change), params.user_id, body.role)),
  );

  routes.delete(
    '/v1/members/:user_id',
    { summary: 'Remove a member; the last owner cannot be removed (manageMembers)', params: UserIdParams },
    ({ access, change, params }) => removeMember(byActor(access, change), params.user_id),
  );
}
