import { type Static, Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ApiKey, ApiKeySchema, CreatedApiKeySchema } from '../../contracts/api.js';
import { AppError, validationError } from '../../domain/errors.js';
import { API_KEY_SCOPES } from '../../domain/principal.js';
import { storableTimeProblem } from '../../domain/time-range.js';
import { createOrgApiKey, deleteApiKey, setApiKeyStatus } from '../../operations/api-keys.js';
import type { ApiKeyListing } from '../../store/identity-store.js';
import { type Access, authorize, causeOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { deleteRoute } from './delete-route.js';
import { Text } from './text.js';

export const NewApiKeyBody = Type.Object(
  {
    name: Text(1, 200),
    scopes: Type.Array(Type.Union(API_KEY_SCOPES.map((s) => Type.Literal(s))), {
      minItems: 1,
      uniqueItems: true,
    }),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
    rate_limit_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

const KeyIdParams = Type.Object({ id: Text(0, 128) });

/** A key as people see it: never its hash or secret. */
function listed(key: ApiKeyListing): ApiKey {
  // The store's reads leave deleted keys out; one here would be gone for people all the same.
  if (key.status === 'deleted') throw new AppError('not_found', `API key ${key.id} not found`);
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    last4: key.last4,
    scopes: key.scopes,
    status: key.status,
    created_at: key.created_at,
    created_by: key.created_by,
    created_by_email: key.created_by_email,
    last_used_at: key.last_used_at,
    expires_at: key.expires_at,
    rate_limit_per_minute: key.rate_limit_per_minute,
  };
}

/** Shared by POST /v1/api-keys and POST /v1/orgs/{org}/api-keys, which take the same body. */
export async function createKeyAndRespond(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  access: Access,
  body: Static<typeof NewApiKeyBody>,
): Promise<FastifyReply> {
  // A time in the past is accepted: the key is born expired and never authenticates.
  const expiryProblem = body.expires_at === undefined ? undefined : storableTimeProblem(body.expires_at);
  if (expiryProblem) throw validationError([{ path: '/expires_at', message: expiryProblem }]);
  const expiresAt =
    body.expires_at === undefined ? null : new Date(Date.parse(body.expires_at)).toISOString();
  const { record, secret } = await createOrgApiKey(
    ctx,
    access.org,
    {
      name: body.name,
      scopes: body.scopes,
      expiresAt,
      rateLimitPerMinute: body.rate_limit_per_minute ?? null,
    },
    access.grants,
    causeOf(request, access),
  );
  return reply.code(201).send({
    id: record.id,
    name: record.name,
    key: secret,
    prefix: record.prefix,
    last4: record.last4,
    scopes: record.scopes,
    status: record.status,
    created_at: record.created_at,
    created_by: record.created_by,
    expires_at: record.expires_at,
    rate_limit_per_minute: record.rate_limit_per_minute,
  });
}

export function apiKeyRoutes(app: TypeBoxApp, ctx: AppContext): void {
  app.get(
    '/v1/api-keys',
    {
      schema: {
        tags: ['api keys'],
        summary: "The org's API keys (manageApiKeys)",
        response: { 200: Type.Object({ data: Type.Array(ApiKeySchema) }) },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageApiKeys');
      const keys = await ctx.store.identity.listApiKeys(access.org);
      return { data: keys.map(listed) };
    },
  );

  app.post(
    '/v1/api-keys',
    {
      schema: {
        tags: ['api keys'],
        summary: 'Create an API key; the secret (`key`) is returned once (manageApiKeys)',
        body: NewApiKeyBody,
        response: { 201: CreatedApiKeySchema },
      },
    },
    async (request, reply) => {
      const access = await authorize(request, ctx, 'manageApiKeys');
      return createKeyAndRespond(ctx, request, reply, access, request.body);
    },
  );

  app.patch(
    '/v1/api-keys/:id',
    {
      schema: {
        tags: ['api keys'],
        summary: 'Enable or disable an API key (manageApiKeys)',
        params: KeyIdParams,
        body: Type.Object(
          { status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]) },
          { additionalProperties: false },
        ),
        response: { 200: ApiKeySchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageApiKeys');
      const { id } = request.params;
      const { status } = request.body;
      const key = await setApiKeyStatus(ctx, access.org, id, status, causeOf(request, access));
      return listed(key);
    },
  );

  deleteRoute(
    app,
    ctx,
    {
      url: '/v1/api-keys/:id',
      tag: 'api keys',
      summary: 'Delete an API key; it stops working at once',
      params: KeyIdParams,
      need: 'manageApiKeys',
    },
    (access, { id }, request) => deleteApiKey(ctx, access.org, id, causeOf(request, access)),
  );
}
