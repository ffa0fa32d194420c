import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { Grant } from '../domain/permissions.js';
import type { Principal, RequestOrigin, UserPrincipal } from '../domain/principal.js';
import { type EventQuery, parseEventQuery, type QueryParams, type ViewScope } from '../domain/query.js';
import { decide } from '../identity/access.js';
import type { Authenticated, Credentials } from '../identity/authenticator.js';
import type { NewSession } from '../identity/sessions.js';
import type { Cause } from '../operations/audited.js';
import type { MemberRecord, SessionRecord } from '../store/identity-store.js';
import type { AppContext } from './context.js';

/**
 * The HTTP side of access control: reads credentials off the request, names the org, and asks
 * the one decision function (identity/access.ts). Routes only declare the grant they need.
 */

export const ORG_HEADER = 'trailmark-org';
export const SESSION_COOKIE = 'tm_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface Access {
  principal: Principal;
  /** The org the request acts on. */
  org: string;
  /** The user's membership in `org`, for user principals. */
  member: MemberRecord | undefined;
  /** Restrictions the query layer must apply (viewer tokens). */
  scope: ViewScope | undefined;
  /** Everything the principal holds in `org`. */
  grants: ReadonlySet<Grant>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function credentialsOf(request: FastifyRequest): Credentials {
  const header = request.headers.authorization;
  const bearer = header === undefined ? undefined : (/^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? '');
  const csrf = request.headers[CSRF_HEADER];
  return {
    bearer,
    sessionCookie: request.cookies?.[SESSION_COOKIE] || undefined,
    csrfHeader: typeof csrf === 'string' ? csrf : undefined,
    unsafe: !SAFE_METHODS.has(request.method),
  };
}

const authenticated = new WeakMap<FastifyRequest, Promise<Authenticated>>();

/** Checks the request's credentials once per request (hooks and handlers share the result). */
export function authenticate(request: FastifyRequest, ctx: AppContext): Promise<Authenticated> {
  let result = authenticated.get(request);
  if (!result) {
    result = ctx.auth.authenticate(credentialsOf(request));
    authenticated.set(request, result);
  }
  return result;
}

/** A signed-in person (a dashboard session); keys and viewer tokens are refused. */
export async function authenticateSession(
  request: FastifyRequest,
  ctx: AppContext,
): Promise<{
  principal: UserPrincipal;
  session: { record: SessionRecord; secret: string; csrfToken: string };
}> {
  const { principal, session } = await authenticate(request, ctx);
  if (principal.type !== 'user' || !session) {
    throw new AppError('forbidden', 'this route is for signed-in people, not API keys or viewer tokens');
  }
  return { principal, session };
}

/** The org named by the request: `Trailmark-Org` header or `org` query parameter. */
export function requestedOrg(request: FastifyRequest): string | undefined {
  const header = request.headers[ORG_HEADER];
  if (typeof header === 'string' && header) return header;
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.org === 'string' && query.org ? query.org : undefined;
}

/**
 * Authenticates and authorizes one request for `need` in one org. An org key or viewer token
 * implies its org; a session or deployment key must name one (or the route passes `orgHint`,
 * e.g. from its path). Another org's resources are 404, like missing ones.
 */
export async function authorize(
  request: FastifyRequest,
  ctx: AppContext,
  need: Grant,
  orgHint?: string,
): Promise<Access> {
  const { principal } = await authenticate(request, ctx);
  const named = orgHint ?? requestedOrg(request);
  let org: string;
  if ((principal.type === 'api_key' && principal.org !== null) || principal.type === 'viewer') {
    if (named && named !== principal.org) throw new AppError('not_found', `organization ${named} not found`);
    org = principal.org!;
  } else if (!named) {
    throw new AppError(
      'bad_request',
      'name the organization with the Trailmark-Org header or the org query parameter',
      {
        errors: [{ path: '/headers/trailmark-org', message: 'is required for sessions and deployment keys' }],
      },
    );
  } else if (named.includes('\u0000')) {
    throw new AppError('not_found', 'organization not found');
  } else {
    org = named;
  }
  const member =
    principal.type === 'user' ? await ctx.store.identity.getMember(org, principal.userId) : undefined;
  if (principal.type === 'api_key' && principal.org === null && !(await ctx.store.getOrg(org))) {
    throw new AppError('not_found', `organization ${org} not found`);
  }
  const decision = decide(principal, org, member, need);
  if (!decision.allowed) throw new AppError(decision.denial, decision.reason);
  let scope: ViewScope | undefined;
  if (principal.type === 'viewer' && (principal.workspace !== null || principal.actor !== null)) {
    scope = {};
    if (principal.workspace !== null) scope.workspace = principal.workspace;
    if (principal.actor !== null) scope.actor = principal.actor;
  }
  return { principal, org, member, scope, grants: decision.grants };
}

/** The request's filters (SPEC §4), narrowed to what the credential may see (viewer tokens). */
export function scopedQuery(request: FastifyRequest, access: Access, now: Date): EventQuery {
  const query = parseEventQuery(request.query as QueryParams, now.getTime());
  if (access.scope) query.scope = access.scope;
  return query;
}

export function originOf(request: FastifyRequest): RequestOrigin {
  const origin: RequestOrigin = { ip: request.ip };
  const agent = request.headers['user-agent'];
  if (agent) origin.userAgent = agent;
  return origin;
}

/** Who causes the change a request makes, and from where: the actor and context of its events. */
export function causeOf<P extends Principal>(
  request: FastifyRequest,
  by: { principal: P },
): Cause & { principal: P } {
  return { principal: by.principal, origin: originOf(request) };
}

/** `Secure` when the browser reached us over TLS (directly, or through a trusted proxy). */
function secure(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, session: NewSession): void {
  reply.setCookie(SESSION_COOKIE, session.secret, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: secure(request),
    expires: new Date(session.expiresAt),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure: secure(request) });
}
