import { AppError } from '../domain/errors.js';
import { newId, newSecret } from '../domain/ids.js';
import { type Grant, permissionsOfScopes } from '../domain/permissions.js';
import type { ApiKeyScope } from '../domain/principal.js';
import { API_KEY_PREFIX, hashApiKey } from '../identity/tokens.js';
import type { ApiKeyListing } from '../store/identity-store.js';
import type { ApiKeyRecord } from '../store/store.js';
import {
  audited,
  auditedOn,
  type Cause,
  type ChangeDeps,
  causedBy,
  type Existing,
  type OrgChange,
} from './audited.js';

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

/**
 * Stores a key for `secret` (only its hash, prefix and last four characters) and records
 * `api_key.created` for an org key; a deployment key (org null) belongs to no org's log.
 */
async function storeApiKey(
  deps: ChangeDeps,
  org: string | null,
  id: string,
  secret: string,
  input: NewApiKeyInput,
  cause: Cause,
): Promise<CreatedApiKey> {
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
      created_by: causedBy(cause),
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

/** Creates an org key (or, with org null, a deployment key) with a new secret. */
export async function createApiKey(
  deps: ChangeDeps,
  org: string | null,
  input: NewApiKeyInput,
  cause: Cause,
): Promise<CreatedApiKey> {
  return storeApiKey(deps, org, newId('key'), newSecret(API_KEY_PREFIX), input, cause);
}

/**
 * Registers a deployment key whose secret the operator chose (TRAILMARK_ADMIN_KEY), unless it is
 * registered already. Its id derives from the secret's hash, so processes starting together on
 * one database agree on it.
 */
export async function registerDeploymentKey(
  deps: ChangeDeps,
  secret: string,
  input: NewApiKeyInput,
): Promise<void> {
  const hash = hashApiKey(secret);
  if (await deps.store.findApiKeyByHash(hash)) return;
  try {
    await storeApiKey(deps, null, `key_admin_${hash.slice(0, 12)}`, secret, input, {
      principal: null,
      origin: {},
    });
  } catch (error) {
    // Several processes starting at once on one database: one of them registers it.
    if (await deps.store.findApiKeyByHash(hash)) return;
    throw error;
  }
}

/**
 * API keys managed by people (and by admin keys). A key never holds more than whoever creates it:
 * an `admin` key holds every permission, so only someone holding every permission may make one.
 */
export async function createOrgApiKey(
  deps: ChangeDeps,
  org: string,
  input: NewApiKeyInput,
  held: ReadonlySet<Grant>,
  cause: Cause,
): Promise<CreatedApiKey> {
  const missing = permissionsOfScopes(input.scopes).filter((p) => !held.has(p));
  if (missing.length) {
    throw new AppError(
      'forbidden',
      `a key with these scopes would hold ${missing.join(', ')}, which you do not`,
    );
  }
  return createApiKey(deps, org, input, cause);
}

/** The key `id`, as a change finds it. */
function apiKey(id: string): Existing<ApiKeyListing> {
  return { read: (tx, org) => tx.identity.getApiKey(org, id), name: `API key ${id}` };
}

/** Enables or disables a key; disabled keys are refused from the next request on. */
export async function setApiKeyStatus(
  change: OrgChange,
  id: string,
  status: 'active' | 'disabled',
): Promise<ApiKeyListing> {
  return auditedOn(change, apiKey(id), async (before, { tx, record, at, org }) => {
    if (before.status === status) return before;
    await tx.identity.setApiKeyStatus(org, id, status);
    // The viewer tokens a key minted go with it, for good: enabling it again does not revive them.
    const revoked =
      status === 'disabled' ? await tx.identity.revokeViewerTokens(org, { createdBy: id }, at) : 0;
    record('api_key.status_updated', {
      resource: { type: 'api_key', id, name: before.name },
      description: `API key ${before.name} ${status === 'active' ? 'enabled' : 'disabled'}`,
      metadata: {
        changed_fields: ['status'],
        before: { status: before.status },
        after: { status },
        last4: before.last4,
        ...(revoked ? { viewer_tokens_revoked: revoked } : {}),
      },
    });
    return { ...before, status };
  });
}

/** Deletes a key: it stops working at once; its row stays so that its events still name it. */
export async function deleteApiKey(change: OrgChange, id: string): Promise<void> {
  await auditedOn(change, apiKey(id), async (before, { tx, record, at, org }) => {
    await tx.identity.deleteApiKey(org, id, at);
    const revoked = await tx.identity.revokeViewerTokens(org, { createdBy: id }, at);
    record('api_key.deleted', {
      resource: { type: 'api_key', id, name: before.name },
      description: `API key ${before.name} deleted`,
      metadata: {
        changed_fields: ['status'],
        before: { status: before.status },
        after: { status: 'deleted' },
        last4: before.last4,
        scopes: before.scopes,
        ...(revoked ? { viewer_tokens_revoked: revoked } : {}),
      },
    });
  });
}
