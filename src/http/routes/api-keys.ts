import { type Static, Type } from '@sinclair/typebox';
import { type ApiKey, ApiKeySchema, type CreatedApiKey, CreatedApiKeySchema } from '../../contracts/api.js';
import { AppError } from '../../domain/errors.js';
import { API_KEY_SCOPES } from '../../domain/principal.js';
import { createOrgApiKey, deleteApiKey, setApiKeyStatus } from '../../operations/api-keys.js';
import type { ApiKeyListing } from '../../store/identity-store.js';
import type { Access } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { createdKeyView, newKeyBody, newKeyInput } from './new-api-key.js';
import { listOf, orgScopedRoutes, type RequestCause } from './org-scoped.js';
import { Text } from './text.js';

export const NewApiKeyBody = newKeyBody(API_KEY_SCOPES);

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
export async function createOrgKey(
  ctx: AppContext,
  access: Access,
  body: Static<typeof NewApiKeyBody>,
  cause: RequestCause,
): Promise<CreatedApiKey> {
  return createdKeyView(await createOrgApiKey(ctx, access.org, newKeyInput(body), access.grants, cause));
}

export function apiKeyRoutes(app: TypeBoxApp, ctx: AppContext): void {
  const routes = orgScopedRoutes(app, ctx, { tag: 'api keys', need: 'manageApiKeys' });

  routes.get(
    '/v1/api-keys',
    {
      summary: "The org's API keys (manageApiKeys)",
      response: { 200: Type.Object({ data: Type.Array(ApiKeySchema) }) },
    },
    listOf((org) => ctx.store.identity.listApiKeys(org), listed),
  );

  routes.post(
    '/v1/api-keys',
    {
      summary: 'Create an API key; the secret (`key`) is returned once (manageApiKeys)',
      body: NewApiKeyBody,
      response: { 201: CreatedApiKeySchema },
    },
    ({ access, body, cause }) => createOrgKey(ctx, access, body, cause),
  );

  routes.patch(
    '/v1/api-keys/:id',
    {
      summary: 'Enable or disable an API key (manageApiKeys)',
      params: KeyIdParams,
      body: Type.Object(
        { status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]) },
        { additionalProperties: false },
      ),
      response: { 200: ApiKeySchema },
    },
    async ({ change, params, body }) => listed(await setApiKeyStatus(change, params.id, body.status)),
  );

  routes.delete(
    '/v1/api-keys/:id',
    { summary: 'Delete an API key; it stops working at once', params: KeyIdParams },
    ({ change, params }) => deleteApiKey(change, params.id),
  );
}
