import { Type } from '@sinclair/typebox';
import { CreatedApiKeySchema } from '../../contracts/api.js';
import { AppError } from '../../domain/errors.js';
import { DEPLOYMENT_KEY_SCOPES } from '../../domain/principal.js';
import { createApiKey } from '../../operations/api-keys.js';
import { authenticate, causeOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { Text } from './text.js';

/**
 * Deployment-wide keys, made by the deployment admin key: an ingest key for a product that
 * writes for all its customers' orgs names the org in each request (WorkOS `organization_id`,
 * Retraced `group.id`, `Trailmark-Org`) and, with `orgs:create`, creates it on first sight.
 */
export function deploymentKeyRoutes(app: TypeBoxApp, ctx: AppContext): void {
  app.post(
    '/v1/deployment/api-keys',
    {
      schema: {
        tags: ['api keys'],
        summary: 'Create a deployment-wide key (the deployment admin key); the secret is returned once',
        body: Type.Object(
          {
            name: Text(1, 200),
            scopes: Type.Array(Type.Union(DEPLOYMENT_KEY_SCOPES.map((s) => Type.Literal(s))), {
              minItems: 1,
              uniqueItems: true,
            }),
            expires_at: Type.Optional(Type.String({ format: 'date-time' })),
            rate_limit_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedApiKeySchema },
      },
    },
    async (request, reply) => {
      const { principal } = await authenticate(request, ctx);
      if (principal.type !== 'api_key' || principal.org !== null || !principal.scopes.includes('admin')) {
        throw new AppError('forbidden', 'deployment-wide keys are created with the deployment admin key');
      }
      const { body } = request;
      const { record, secret } = await createApiKey(
        ctx,
        null,
        {
          name: body.name,
          scopes: body.scopes,
          expiresAt:
            body.expires_at === undefined ? null : new Date(Date.parse(body.expires_at)).toISOString(),
          rateLimitPerMinute: body.rate_limit_per_minute ?? null,
        },
        causeOf(request, { principal }),
      );
      return reply.code(201).send({
        id: record.id,
        name: record.name,
        key: secret,
        prefix: record.prefix,
        last4: record.last4,
        scopes: record.scopes,
        // A key is born active.
        status: 'active' as const,
        created_at: record.created_at,
        created_by: record.created_by,
        expires_at: record.expires_at,
        rate_limit_per_minute: record.rate_limit_per_minute,
      });
    },
  );
}
