import { Type } from '@sinclair/typebox';
import type { CreatedApiKey as CreatedApiKeyView } from '../../contracts/api.js';
import { validationError } from '../../domain/errors.js';
import type { ApiKeyScope } from '../../domain/principal.js';
import { storableTimeProblem } from '../../domain/time-range.js';
import type { CreatedApiKey, NewApiKeyInput } from '../../operations/api-keys.js';
import { Text } from './text.js';

/**
 * What the routes that create keys share: an org's key (POST /v1/api-keys and
 * /v1/orgs/{org}/api-keys) and a deployment-wide key (POST /v1/deployment/api-keys) take the
 * same body, but for the scopes each may hold, and answer alike, the one time the secret is shown.
 */

/** The body that asks for a new key holding some of `scopes`. */
export function newKeyBody<S extends ApiKeyScope>(scopes: readonly S[]) {
  return Type.Object(
    {
      name: Text(1, 200),
      scopes: Type.Array(Type.Union(scopes.map((s) => Type.Literal(s))), {
        minItems: 1,
        uniqueItems: true,
      }),
      expires_at: Type.Optional(Type.String({ format: 'date-time' })),
      rate_limit_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    },
    { additionalProperties: false },
  );
}

/**
 * A new key's body as the operations take it; 400 for an expiry outside what both backends
 * store. A time in the past is accepted: the key is born expired and never authenticates.
 */
export function newKeyInput(body: {
  name: string;
  scopes: ApiKeyScope[];
  expires_at?: string;
  rate_limit_per_minute?: number;
}): NewApiKeyInput {
  const expiryProblem = body.expires_at === undefined ? undefined : storableTimeProblem(body.expires_at);
  if (expiryProblem) throw validationError([{ path: '/expires_at', message: expiryProblem }]);
  return {
    name: body.name,
    scopes: body.scopes,
    expiresAt: body.expires_at === undefined ? null : new Date(Date.parse(body.expires_at)).toISOString(),
    rateLimitPerMinute: body.rate_limit_per_minute ?? null,
  };
}

/** The new key as its creator sees it: with its secret (`key`), never its hash. */
export function createdKeyView({ record, secret }: CreatedApiKey): CreatedApiKeyView {
  return {
    id: record.id,
    name: record.name,
    key: secret,
    prefix: record.prefix,
    last4: record.last4,
    scopes: record.scopes,
    // A key is born active.
    status: 'active',
    created_at: record.created_at,
    created_by: record.created_by,
    expires_at: record.expires_at,
    rate_limit_per_minute: record.rate_limit_per_minute,
  };
}
