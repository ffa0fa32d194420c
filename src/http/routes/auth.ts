import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SessionViewSchema } from '../../contracts/api.js';
import { AppError } from '../../domain/errors.js';
import { sessionView } from '../../identity/sessions.js';
import { hashToken } from '../../identity/tokens.js';
import { changePassword } from '../../operations/change-password.js';
import { logout } from '../../operations/sign-in.js';
import {
  authenticateSession,
  clearSessionCookie,
  originOf,
  SESSION_COOKIE,
  setSessionCookie,
} from '../auth.js';
import type { AppContext } from '../context.js';
import { Email, Text } from './text.js';

export function authRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    '/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the tm_session cookie',
        security: [],
        body: Type.Object({ email: Email, password: Text(1, 1024) }, { additionalProperties: false }),
        response: { 200: SessionViewSchema },
      },
    },
    async (request, reply) => {
      const body = request.body as { email: string; password: string };
      // A session the browser already had is revoked and replaced: its id is never reused.
      const presented = request.cookies[SESSION_COOKIE];
      const previous = presented
        ? await ctx.store.identity.findSessionByHash(hashToken(presented))
        : undefined;
      const { view, session } = await ctx.logins.login({
        email: body.email,
        password: body.password,
        origin: originOf(request),
        ...(previous ? { previousSessionId: previous.id } : {}),
      });
      setSessionCookie(request, reply, session);
      return reply.header('cache-control', 'no-store').send(view);
    },
  );

  app.post(
    '/v1/auth/logout',
    { schema: { tags: ['auth'], summary: 'Sign out: revokes the session and clears the cookie' } },
    async (request, reply) => {
      const { principal } = await authenticateSession(request, ctx);
      await logout(ctx, principal, originOf(request));
      ctx.auth.forgetSession(principal.sessionId);
      clearSessionCookie(request, reply);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who is signed in, their orgs, roles and permissions, and the CSRF token',
        response: { 200: SessionViewSchema },
      },
    },
    async (request, reply) => {
      const { principal, session } = await authenticateSession(request, ctx);
      const user = await ctx.store.identity.getUser(principal.userId);
      if (!user) throw new AppError('unauthorized', 'the session has expired or was signed out');
      const members = await ctx.store.identity.membershipsOf(user.id);
      return reply.header('cache-control', 'no-store').send(sessionView(user, members, session.secret));
    },
  );

  app.post(
    '/v1/auth/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change the password: revokes every session and opens a new one for this browser',
        body: Type.Object(
          {
            current_password: Text(1, 1024),
            new_password: Text(1, 1024),
          },
          { additionalProperties: false },
        ),
        response: { 200: SessionViewSchema },
      },
    },
    async (request, reply) => {
      const { principal } = await authenticateSession(request, ctx);
      const body = request.body as { current_password: string; new_password: string };
      const { view, session } = await changePassword(
        ctx,
        ctx.logins,
        ctx.auth.settings,
        principal,
        { currentPassword: body.current_password, newPassword: body.new_password },
        originOf(request),
      );
      ctx.auth.forgetSession(principal.sessionId);
      setSessionCookie(request, reply, session);
      return reply.header('cache-control', 'no-store').send(view);
    },
  );
}
