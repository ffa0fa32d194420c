import { Type } from '@sinclair/typebox';
import { MintedViewerTokenSchema } from '../../contracts/api.js';
import {
  mintViewerToken,
  revokeViewerToken,
  VIEWER_TOKEN_DEFAULT_TTL_S,
  VIEWER_TOKEN_MAX_TTL_S,
} from '../../operations/viewer-tokens.js';
import { authorize, causeOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { Text } from './text.js';

export function viewerTokenRoutes(app: TypeBoxApp, ctx: AppContext): void {
  app.post(
    '/v1/viewer-tokens',
    {
      schema: {
        tags: ['viewer tokens'],
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
    },
    async (request, reply) => {
      const access = await authorize(request, ctx, 'mintViewerTokens');
      const { body } = request;
      const minted = await mintViewerToken(
        ctx,
        access.org,
        {
          ...(body.workspace !== undefined ? { workspace: body.workspace } : {}),
          ...(body.actor !== undefined ? { actor: body.actor } : {}),
          ...(body.ttl_seconds !== undefined ? { ttlSeconds: body.ttl_seconds } : {}),
        },
        causeOf(request, access),
      );
      return reply.code(201).send(minted);
    },
  );

  app.delete(
    '/v1/viewer-tokens/:id',
    {
      schema: {
        tags: ['viewer tokens'],
        summary: 'Revoke a viewer token at once (API key with the admin scope)',
        params: Type.Object({ id: Text(1, 128) }),
      },
    },
    async (request, reply) => {
      const access = await authorize(request, ctx, 'mintViewerTokens');
      await revokeViewerToken(ctx, access.org, request.params.id, causeOf(request, access));
      return reply.code(204).send();
    },
  );
}
