import type { MintedViewerToken } from '../contracts/api.js';
import { newId } from '../domain/ids.js';
import { hashToken, newToken, VIEWER_TOKEN_PREFIX } from '../identity/tokens.js';
import type { ViewerTokenRecord } from '../store/identity-store.js';
import { auditedIn, auditedOn, causedBy, type Existing, type OrgChange } from './audited.js';

export const VIEWER_TOKEN_DEFAULT_TTL_S = 3600;
export const VIEWER_TOKEN_MAX_TTL_S = 24 * 3600;

/**
 * Mints a read-only token for one org, optionally narrowed to one workspace or one actor, for an
 * integrating product's embedded viewer. Only its hash is stored.
 */
export async function mintViewerToken(
  change: OrgChange,
  input: { workspace?: string; actor?: string; ttlSeconds?: number },
): Promise<MintedViewerToken> {
  const now = change.deps.now();
  const ttl = input.ttlSeconds ?? VIEWER_TOKEN_DEFAULT_TTL_S;
  const token = newToken(VIEWER_TOKEN_PREFIX);
  const minted: MintedViewerToken = {
    id: newId('vtk', now.getTime()),
    token,
    expires_at: new Date(now.getTime() + ttl * 1000).toISOString(),
    workspace: input.workspace ?? null,
    actor: input.actor ?? null,
  };
  await auditedIn(change, async ({ tx, record, org }) => {
    await tx.identity.createViewerToken({
      id: minted.id,
      org,
      token_hash: hashToken(token),
      workspace: minted.workspace,
      actor: minted.actor,
      created_at: now.toISOString(),
      expires_at: minted.expires_at,
      created_by: causedBy(change.cause),
    });
    const fields = ['expires_at'];
    if (minted.workspace !== null) fields.push('workspace');
    if (minted.actor !== null) fields.push('actor');
    record('viewer_token.created', {
      resource: { type: 'viewer_token', id: minted.id },
      description: `Viewer token created${minted.workspace !== null ? ` for workspace ${minted.workspace}` : ''}${minted.actor !== null ? ` for actor ${minted.actor}` : ''}`,
      metadata: {
        changed_fields: fields,
        workspace: minted.workspace,
        actor: minted.actor,
        ttl_seconds: ttl,
        expires_at: minted.expires_at,
      },
    });
  });
  return minted;
}

/** Revokes one viewer token at once; revoking one already revoked changes and records nothing. */
export async function revokeViewerToken(change: OrgChange, id: string): Promise<void> {
  const token: Existing<ViewerTokenRecord> = {
    read: (tx, org) => tx.identity.getViewerToken(org, id),
    name: `viewer token ${id}`,
  };
  await auditedOn(change, token, async (before, { tx, record, at: revokedAt, org }) => {
    if ((await tx.identity.revokeViewerTokens(org, { id }, revokedAt)) === 0) return;
    record('viewer_token.revoked', {
      resource: { type: 'viewer_token', id },
      description: `Viewer token revoked${before.workspace !== null ? ` (workspace ${before.workspace})` : ''}`,
      metadata: {
        changed_fields: ['revoked_at'],
        workspace: before.workspace,
        actor: before.actor,
        created_by: before.created_by,
        revoked_at: revokedAt,
      },
    });
  });
}
