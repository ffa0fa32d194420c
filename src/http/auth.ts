import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { ApiKeyScope, Principal, RequestOrigin } from '../domain/principal.js';
import { hashApiKey } from '../operations/create-api-key.js';
import type { AuditStore } from '../store/store.js';

/** What a route needs; one function below decides every request from it. */
export type Need = { scope: ApiKeyScope } | { deployment: true };

export interface Access {
  principal: Principal;
  /** The org the request acts on. */
  org: string;
}

export const ORG_HEADER = 'trailmark-org';

export async function authenticate(request: FastifyRequest, store: AuditStore): Promise<Principal> {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) throw new AppError('unauthorized', 'send an API key as `Authorization: Bearer <key>`');
  const key = await store.findApiKeyByHash(hashApiKey(match[1]!));
  if (key?.status !== 'active' || (key.expires_at && Date.parse(key.expires_at) <= Date.now())) {
    throw new AppError('unauthorized', 'the API key is not valid');
  }
  return {
    type: 'api_key',
    keyId: key.id,
    name: key.name,
    org: key.org,
    scopes: key.scopes,
    last4: key.last4,
  };
}

export function hasScope(principal: Principal, scope: ApiKeyScope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes('admin');
}

/** The org named by the request: `Trailmark-Org` header or `org` query parameter. */
export function requestedOrg(request: FastifyRequest): string | undefined {
  const header = request.headers[ORG_HEADER];
  if (typeof header === 'string' && header) return header;
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.org === 'string' && query.org ? query.org : undefined;
}

/**
 * Authenticates and authorizes one request. An org key implies its org; a deployment key must
 * name one. A key of another org gets 404 for that org's resources, like a missing one would.
 */
export async function authorize(
  request: FastifyRequest,
  store: AuditStore,
  need: { scope: ApiKeyScope },
  orgHint?: string,
): Promise<Access> {
  const principal = await authenticate(request, store);
  if (!hasScope(principal, need.scope)) {
    throw new AppError('forbidden', `this key lacks the ${need.scope} scope`);
  }
  const named = orgHint ?? requestedOrg(request);
  if (principal.org) {
    if (named && named !== principal.org) throw new AppError('not_found', `organization ${named} not found`);
    return { principal, org: principal.org };
  }
  if (!named) {
    throw new AppError(
      'bad_request',
      'name the organization with the Trailmark-Org header or the org query parameter',
      {
        errors: [{ path: '/headers/trailmark-org', message: 'is required for deployment-wide keys' }],
      },
    );
  }
  if (!(await store.getOrg(named))) throw new AppError('not_found', `organization ${named} not found`);
  return { principal, org: named };
}

export async function requireDeploymentKey(request: FastifyRequest, store: AuditStore): Promise<Principal> {
  const principal = await authenticate(request, store);
  if (principal.org !== null) throw new AppError('forbidden', 'this route needs the deployment admin key');
  return principal;
}

export function originOf(request: FastifyRequest): RequestOrigin {
  const origin: RequestOrigin = { ip: request.ip };
  const agent = request.headers['user-agent'];
  if (agent) origin.userAgent = agent;
  return origin;
}
