import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import { createOrg } from '../operations/orgs.js';
import { type Access, authenticate, authorize, causeOf } from './auth.js';
import type { AppContext } from './context.js';

/** Org ids an event may create (the ids Trailmark itself accepts in paths and headers). */
const NEW_ORG_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Authorizes writing events to `org` (the credential's org when undefined). A deployment key
 * with the `orgs:create` scope creates an org the first time an event names it, recorded as
 * `organization.created`; any other credential naming an unknown org gets 404.
 */
export async function ingestAccess(
  request: FastifyRequest,
  ctx: AppContext,
  org: string | undefined,
): Promise<Access> {
  try {
    return await authorize(request, ctx, 'writeEvents', org);
  } catch (error) {
    const { principal } = await authenticate(request, ctx);
    const creates =
      principal.type === 'api_key' &&
      principal.org === null &&
      principal.scopes.includes('orgs:create') &&
      principal.scopes.some((s) => s === 'events:write' || s === 'admin');
    if (!(error instanceof AppError) || error.code !== 'not_found' || !creates || org === undefined)
      throw error;
    if (!NEW_ORG_ID.test(org)) {
      throw new AppError(
        'validation',
        `organization ${org} cannot be created: use 1 to 64 letters, digits, _ . : -`,
        {
          errors: [{ path: '/organization', message: 'is not a valid new organization id' }],
        },
      );
    }
    try {
      await createOrg(ctx, { id: org, name: org }, causeOf(request, { principal }));
    } catch (raced) {
      // Another request created it meanwhile: that is the org this one names too.
      if (!(raced instanceof AppError && raced.code === 'conflict')) throw raced;
    }
    return authorize(request, ctx, 'writeEvents', org);
  }
}
