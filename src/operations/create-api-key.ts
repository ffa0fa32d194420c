import { newId, newSecret } from '../domain/ids.js';
import { type ApiKeyScope, principalId } from '../domain/principal.js';
import { API_KEY_PREFIX, hashApiKey } from '../identity/tokens.js';
import type { ApiKeyRecord } from '../store/store.js';
import { audited, type Cause, type ChangeDeps } from './audited.js';

export interface CreatedApiKey {
  record: ApiKeyRecord;
  /** Shown once, never stored. */
  secret: string;
}

export interface NewApiKeyInput {
  name: string;
  scopes: ApiKeyScope[];
  expiresAt?: string | null;
  rateLimitPerMinute?: number | null;
}

/** Creates an org key (or, with org null, a deployment key) and records `api_key.created`. */
export async function createApiKey(
  deps: ChangeDeps,
  org: string | null,
  input: NewApiKeyInput,
  cause: Cause,
): Promise<CreatedApiKey> {
  const secret = newSecret(API_KEY_PREFIX);
  const id = newId('key');
  return audited(deps, cause, async (tx, record) => {
    const key = await tx.createApiKey({
      id,
      org,
      name: input.name,
      prefix: secret.slice(0, API_KEY_PREFIX.length + 5),
      last4: secret.slice(-4),
      scopes: input.scopes,
      key_hash: hashApiKey(secret),
      created_at: deps.now().toISOString(),
      created_by: cause.principal ? principalId(cause.principal) : null,
      expires_at: input.expiresAt ?? null,
      rate_limit_per_minute: input.rateLimitPerMinute ?? null,
    });
    if (org) {
      const fields = ['name', 'scopes'];
      if (key.expires_at) fields.push('expires_at');
      if (key.rate_limit_per_minute !== null) fields.push('rate_limit_per_minute');
      record(org, 'api_key.created', {
        resource: { type: 'api_key', id, name: input.name },
        description: `API key ${input.name} created`,
        metadata: {
          changed_fields: fields,
          scopes: input.scopes,
          prefix: key.prefix,
          last4: key.last4,
          expires_at: key.expires_at,
          rate_limit_per_minute: key.rate_limit_per_minute,
        },
      });
    }
    return { record: key, secret };
  });
}
