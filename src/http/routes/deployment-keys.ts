import { CreatedApiKeySchema } from '../../contracts/api.js';
import { AppError } from '../../domain/errors.js';
import { DEPLOYMENT_KEY_SCOPES } from '../../domain/principal.js';
import { createApiKey } from '../../operations/api-keys.js';
import { authenticate, causeOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { createdKeyView, newKeyBody, newKeyInput } from './new-api-key.js';

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
        body: newKeyBody(DEPLOYMENT_KEY_SCOPES),
        response: { 201: CreatedApiKeySchema },
      },
    },
    async (request, reply) => {
      const { principal } = await authenticate(request, ctx);
      if (principal.type !== 'api_key' || principal.org !== null || !principal.scopes.includes('admin')) {
        throw new AppError('forbidden', 'deployment-wide keys are created with the deployment admin key');
      }
      const created = await createApiKey(
        ctx,
        null,
        newKeyInput(request.body),
        causeOf(request, { principal }),
      );
      return reply.code(201).send(createdKeyView(created));
    },
  );
}
