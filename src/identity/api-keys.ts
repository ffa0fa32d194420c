import { AppError } from '../domain/errors.js';
import { type Grant, permissionsOfScopes } from '../domain/permissions.js';
import { audited, type Cause, type ChangeDeps } from '../operations/audited.js';
import { type CreatedApiKey, createApiKey, type NewApiKeyInput } from '../operations/create-api-key.js';
import type { ApiKeyListing } from '../store/identity-store.js';
import type { StoreTx } from '../store/store.js';

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

async function existing(tx: StoreTx, org: string, id: string): Promise<ApiKeyListing> {
  const key = await tx.identity.getApiKey(org, id);
  if (!key) throw new AppError('not_found', `API key ${id} not found`);
  return key;
}

/** Enables or disables a key; disabled keys are refused from the next request on. */
export async function setApiKeyStatus(
  deps: ChangeDeps,
  org: string,
  id: string,
  status: 'active' | 'disabled',
  cause: Cause,
): Promise<ApiKeyListing> {
  return audited(deps, cause, async (tx, record) => {
    const before = await existing(tx, org, id);
    if (before.status === status) return before;
    await tx.identity.setApiKeyStatus(org, id, status);
    record(org, 'api_key.status_updated', {
      resource: { type: 'api_key', id, name: before.name },
      description: `API key ${before.name} ${status === 'active' ? 'enabled' : 'disabled'}`,
      metadata: {
        changed_fields: ['status'],
        before: { status: before.status },
        after: { status },
        last4: before.last4,
      },
    });
    return { ...before, status };
  });
}

/** Deletes a key: it stops working at once; its row stays so that its events still name it. */
export async function deleteApiKey(deps: ChangeDeps, org: string, id: string, cause: Cause): Promise<void> {
  await audited(deps, cause, async (tx, record) => {
    const before = await existing(tx, org, id);
    await tx.identity.deleteApiKey(org, id, deps.now().toISOString());
    record(org, 'api_key.deleted', {
      resource: { type: 'api_key', id, name: before.name },
      description: `API key ${before.name} deleted`,
      metadata: {
        changed_fields: ['status'],
        before: { status: before.status },
        after: { status: 'deleted' },
        last4: before.last4,
        scopes: before.scopes,
      },
    });
  });
}
