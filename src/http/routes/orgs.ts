import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../domain/principal.js';
import { createApiKey } from '../../operations/create-api-key.js';
import { createOrg } from '../../operations/create-org.js';
import { authenticate, originOf, requireDeploymentKey } from '../auth.js';
import type { AppContext } from '../context.js';

const OrgIdParams = Type.Object({ org: Type.String({ maxLength: 64 }) });

export function orgRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { store, enricher } = ctx;

  app.post(
    '/v1/orgs',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Create an organization (deployment admin key)',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const principal = await requireDeploymentKey(request, store);
      const body = request.body as { name: string; id?: string };
      const org = await createOrg(store, enricher, body, principal, originOf(request));
      return reply.code(201).send(org);
    },
  );

  app.get(
    '/v1/orgs',
    { schema: { tags: ['organizations'], summary: 'List organizations' } },
    async (request) => {
      const principal = await authenticate(request, store);
      if (principal.org) {
        const org = await store.getOrg(principal.org);
        return { data: org ? [org] : [] };
      }
      return { data: await store.listOrgs() };
    },
  );

  app.get(
    '/v1/orgs/:org',
    { schema: { tags: ['organizations'], summary: 'One organization', params: OrgIdParams } },
    async (request) => {
      const principal = await authenticate(request, store);
      const { org: id } = request.params as { org: string };
      const org = principal.org === null || principal.org === id ? await store.getOrg(id) : undefined;
      if (!org) throw new AppError('not_found', `organization ${id} not found`);
      return org;
    },
  );

  app.post(
    '/v1/orgs/:org/api-keys',
    {
      schema: {
        tags: ['api keys'],
        summary: 'Create an API key for an organization; the secret is returned once',
        params: OrgIdParams,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            scopes: Type.Array(Type.Union(API_KEY_SCOPES.map((s) => Type.Literal(s))), {
              minItems: 1,
              uniqueItems: true,
            }),
            expires_at: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const principal = await authenticate(request, store);
      const { org } = request.params as { org: string };
      const allowed = principal.org === null || (principal.org === org && principal.scopes.includes('admin'));
      if (!allowed) {
        if (principal.org !== null && principal.org !== org)
          throw new AppError('not_found', `organization ${org} not found`);
        throw new AppError('forbidden', 'creating API keys needs the deployment key or an admin-scoped key');
      }
      if (!(await store.getOrg(org))) throw new AppError('not_found', `organization ${org} not found`);
      const body = request.body as { name: string; scopes: ApiKeyScope[]; expires_at?: string };
      const { record, secret } = await createApiKey(
        store,
        enricher,
        org,
        { name: body.name, scopes: body.scopes, expiresAt: body.expires_at ?? null },
        principal,
        originOf(request),
      );
      return reply.code(201).send({
        id: record.id,
        name: record.name,
        key: secret,
        prefix: record.prefix,
        last4: record.last4,
        scopes: record.scopes,
        created_at: record.created_at,
        expires_at: record.expires_at,
      });
    },
  );
}
