import { Type } from '@sinclair/typebox';
import { CreatedApiKeySchema, OrgSchema } from '../../contracts/api.js';
import { AppError, found } from '../../domain/errors.js';
import { createOrg, updateOrg } from '../../operations/orgs.js';
import { authenticate, causeOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { createOrgKey, NewApiKeyBody } from './api-keys.js';
import { orgScopedRoutes } from './org-scoped.js';
import { Text } from './text.js';

const OrgIdParams = Type.Object({ org: Text(0, 64) });

export function orgRoutes(app: TypeBoxApp, ctx: AppContext): void {
  const { store } = ctx;

  app.post(
    '/v1/orgs',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Create an organization (a signed-in person becomes its owner; or the deployment key)',
        body: Type.Object(
          {
            name: Text(1, 200),
            id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: OrgSchema },
      },
    },
    async (request, reply) => {
      const { principal } = await authenticate(request, ctx);
      const deploymentKey = principal.type === 'api_key' && principal.org === null;
      if (!deploymentKey && principal.type !== 'user') {
        throw new AppError(
          'forbidden',
          'organizations are created by signed-in people or the deployment key',
        );
      }
      const chosen = request.body.id;
      if (chosen !== undefined && principal.type === 'user') {
        // Whether an id is taken is known only to who may see that org: anyone else is told the
        // same thing whether it exists or not, so the answer is no oracle of other orgs' ids.
        if (await store.identity.getMember(chosen, principal.userId)) {
          throw new AppError('conflict', `organization ${chosen} already exists`);
        }
        throw new AppError('forbidden', 'organization ids are chosen by the deployment key; leave `id` out', {
          errors: [{ path: '/id', message: 'may be chosen only with the deployment key' }],
        });
      }
      const org = await createOrg(ctx, request.body, causeOf(request, { principal }));
      return reply.code(201).send(org);
    },
  );

  app.get(
    '/v1/orgs',
    {
      schema: {
        tags: ['organizations'],
        summary: "The caller's organizations (a person's, with their role and permissions)",
      },
    },
    async (request) => {
      const { principal } = await authenticate(request, ctx);
      switch (principal.type) {
        case 'api_key': {
          if (principal.org === null) return { data: await store.listOrgs() };
          const org = await store.getOrg(principal.org);
          return { data: org ? [org] : [] };
        }
        case 'user': {
          const members = await store.identity.membershipsOf(principal.userId);
          const orgs = await Promise.all(
            members.map(async (m) => ({
              ...(await store.getOrg(m.org)),
              role: m.role,
              role_name: m.role_name,
              permissions: m.permissions,
            })),
          );
          return { data: orgs };
        }
        case 'viewer':
          throw new AppError('forbidden', 'viewer tokens read the audit log only');
      }
    },
  );

  // Routes about one org name it in their path, so a session or deployment key need not name it
  // again; an org key may name only its own.
  const inOrg = { org: (params: { org: string }) => params.org, params: OrgIdParams };
  const routes = orgScopedRoutes(app, ctx, { tag: 'organizations', need: 'memberOfOrg' });

  routes.get(
    '/v1/orgs/:org',
    { summary: 'One organization', ...inOrg, response: { 200: OrgSchema } },
    async ({ params: { org: id } }) => {
      const org = found(await store.getOrg(id), `organization ${id}`);
      return org;
    },
  );

  routes.patch(
    '/v1/orgs/:org',
    {
      summary: 'Rename an organization or change its retention and legal hold (manageSettings)',
      need: 'manageSettings',
      ...inOrg,
      body: Type.Object(
        {
          name: Type.Optional(Text(1, 200)),
          retention_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          request_retention_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          legal_hold: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
      response: { 200: OrgSchema },
    },
    ({ params, body, cause }) => updateOrg(ctx, params.org, body, cause),
  );

  orgScopedRoutes(app, ctx, { tag: 'api keys', need: 'manageApiKeys' }).post(
    '/v1/orgs/:org/api-keys',
    {
      summary: 'Create an API key for an organization; the secret is returned once',
      ...inOrg,
      body: NewApiKeyBody,
      response: { 201: CreatedApiKeySchema },
    },
    ({ access, body, cause }) => createOrgKey(ctx, access, body, cause),
  );
}
