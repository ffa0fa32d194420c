import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import {
  InvitationSchema,
  type Member,
  MemberListSchema,
  MemberSchema,
  SessionViewSchema,
} from '../../contracts/api.js';
import { acceptInvitation, inviteMember } from '../../operations/invitations.js';
import { type Actor, changeMemberRole, removeMember } from '../../operations/members.js';
import type { MemberRecord } from '../../store/identity-store.js';
import { type Access, authorize, causeOf, originOf, setSessionCookie } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { deleteRoute } from './delete-route.js';
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

function actorOf(access: Access, request: FastifyRequest): Actor {
  return { ...causeOf(request, access), member: access.member, grants: access.grants };
}

export function memberRoutes(app: TypeBoxApp, ctx: AppContext): void {
  const onError = (error: unknown) => app.log.error({ err: error }, 'could not send an invitation');

  app.get(
    '/v1/members',
    {
      schema: {
        tags: ['members'],
        summary: "The org's members and pending invitations (manageMembers)",
        response: { 200: MemberListSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageMembers');
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

  app.post(
    '/v1/members/invitations',
    {
      schema: {
        tags: ['members'],
        summary: 'Invite a person by email; the single-use link is emailed (SMTP) or logged (manageMembers)',
        body: Type.Object(
          {
            email: Email,
            role: Role,
          },
          { additionalProperties: false },
        ),
        response: { 201: InvitationSchema },
      },
    },
    async (request, reply) => {
      const access = await authorize(request, ctx, 'manageMembers');
      const invitation = await inviteMember(
        { ...ctx, settings: ctx.auth.settings, onError },
        access.org,
        request.body,
        actorOf(access, request),
      );
      return reply.code(201).send(invitation);
    },
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

  app.patch(
    '/v1/members/:user_id',
    {
      schema: {
        tags: ['members'],
        summary: "Change a member's role; the last owner cannot be demoted (manageMembers)",
        params: UserIdParams,
        body: Type.Object({ role: Role }, { additionalProperties: false }),
        response: { 200: MemberSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageMembers');
      const { user_id } = request.params;
      const { role } = request.body;
      return member(await changeMemberRole(ctx, access.org, user_id, role, actorOf(access, request)));
    },
  );

  deleteRoute(
    app,
    ctx,
    {
      url: '/v1/members/:user_id',
      tag: 'members',
      summary: 'Remove a member; the last owner cannot be removed (manageMembers)',
      params: UserIdParams,
      need: 'manageMembers',
    },
    (access, { user_id }, request) => removeMember(ctx, access.org, user_id, actorOf(access, request)),
  );
}
