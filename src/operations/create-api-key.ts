import { sha256Hex } from '../domain/chain.js';
import { newId, newSecret } from '../domain/ids.js';
import type { Enricher } from '../domain/prepare-event.js';
import type { ApiKeyScope, Principal, RequestOrigin } from '../domain/principal.js';
import type { ApiKeyRecord, AuditStore } from '../store/store.js';
import { selfEvent } from './self-event.js';

export const API_KEY_PREFIX = 'tmk';

/** API keys are 256-bit random secrets, so a fast hash is enough to store them safely. */
export function hashApiKey(secret: string): string {
  return sha256Hex(secret);
}

export interface CreatedApiKey {
  record: ApiKeyRecord;
  /** Shown once, never stored. */
  secret: string;
}

export async function createApiKey(
  store: AuditStore,
  enricher: Enricher,
  org: string | null,
  input: { name: string; scopes: ApiKeyScope[]; expiresAt?: string | null },
  principal: Principal | null,
  origin: RequestOrigin,
): Promise<CreatedApiKey> {
  const secret = newSecret(API_KEY_PREFIX);
  const id = newId('key');
  return store.transaction(async (tx) => {
    const record = await tx.createApiKey({
      id,
      org,
      name: input.name,
      prefix: secret.slice(0, API_KEY_PREFIX.length + 5),
      last4: secret.slice(-4),
      scopes: input.scopes,
      key_hash: hashApiKey(secret),
      created_at: new Date().toISOString(),
      created_by: principal?.keyId ?? null,
      expires_at: input.expiresAt ?? null,
    });
    if (org) {
      await tx.appendEvents(org, [
        selfEvent(
          org,
          'api_key.created',
          principal,
          origin,
          {
            resource: { type: 'api_key', id, name: input.name },
            description: `API key ${input.name} created`,
            metadata: { scopes: input.scopes, last4: record.last4 },
          },
          enricher,
        ),
      ]);
    }
    return { record, secret };
  });
}
