import { Type } from '@sinclair/typebox';
import { MintedViewerTokenSchema } from '../../contracts/api.js';
import {
  mintViewerToken,
  revokeViewerToken,
  VIEWER_TOKEN_DEFAULT_TTL_S,
  VIEWER_TOKEN_MAX_TTL_S,
} from '../../operations/viewer-tokens.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { orgScopedRoutes } from './org-scoped.js';
import { IdParams } from './schemas.js';
import { Text } from './text.js';

export function viewerTokenRoutes(app: TypeBoxApp, ctx: AppContext): void {
  const routes = orgScopedRoutes(app, ctx, { tag: 'viewer tokens', need: 'mintViewerTokens' });

  routes.post(
    '/v1/viewer-tokens',
    {
      summary: 'Mint a read-only token for the embedded viewer (API key with the admin scope)',
      body: Type.Object(
        {
          workspace: Type.Optional(Text(1, 256)),
          actor: Type.Optional(Text(1, 320)),
          ttl_seconds: Type.Optional(
            Type.Integer({
              minimum: 60,
              maximum: VIEWER_TOKEN_MAX_TTL_S,
              description: `default ${VIEWER_TOKEN_DEFAULT_TTL_S}`,
            }),
          ),
        },
        { additionalProperties: false },
      ),
      response: { 201: MintedViewerTokenSchema },
    },
    ({ change, body }) =>
      mintViewerToken(change, {
        ...(body.workspace !== undefined ? { workspace: body.workspace } : {}),
        ...(body.actor !== undefined ? { actor: body.actor } : {}),
        ...(body.ttl_seconds !== undefined ? { ttlSeconds: body.ttl_seconds } : {}),
      }),
  );

  routes.delete(
    '/v1/viewer-tokens/:id',
    { summary: 'Revoke a viewer token at once (API key with the admin scope)', params: IdParams },
    ({ change, params }) => revokeViewerToken(change, params.id),
  );
}
