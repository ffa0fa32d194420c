import type { MintedViewerToken } from '../contracts/api.js';
import { found } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { hashToken, newToken, VIEWER_TOKEN_PREFIX } from '../identity/tokens.js';
import { audited, auditedIn, type Cause, type ChangeDeps, causedBy, type OrgChange } from './audited.js';

export const VIEWER_TOKEN_DEFAULT_TTL_S = 3600;
export const VIEWER_TOKEN_MAX_TTL_S = 24 * 3600;

/**
 * Mints a read-only token for one org, optionally narrowed to one workspace or one actor, for an
 * integrating product's embedded viewer. Only its hash is stored.
 */
export async function mintViewerToken(
  deps: ChangeDeps,
  org: string,
  input: { workspace?: string; actor?: string; ttlSeconds?: number },
  cause: Cause,
): Promise<MintedViewerToken> {
  const now = deps.now();
  const ttl = input.ttlSeconds ?? VIEWER_TOKEN_DEFAULT_TTL_S;
  const token = newToken(VIEWER_TOKEN_PREFIX);
  const minted: MintedViewerToken = {
    id: newId('vtk', now.getTime()),
    token,
    expires_at: new Date(now.getTime() + ttl * 1000).toISOString(),
    workspace: input.workspace ?? null,
    actor: input.actor ?? null,
  };
  await audited(deps, cause, async (tx, record) => {
    await tx.identity.createViewerToken({
      id: minted.id,
      org,
      token_hash: hashToken(token),
      workspace: minted.workspace,
      actor: minted.actor,
      created_at: now.toISOString(),
      expires_at: minted.expires_at,
      created_by: causedBy(cause),
    });
    const fields = ['expires_at'];
    if (minted.workspace !== null) fields.push('workspace');
    if (minted.actor !== null) fields.push('actor');
    record(org, 'viewer_token.created', {
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
  const { org } = change;
  await auditedIn(change, async (tx, record, revokedAt) => {
    const token = found(await tx.identity.getViewerToken(org, id), `viewer token ${id}`);
    if ((await tx.identity.revokeViewerTokens(org, { id }, revokedAt)) === 0) return;
    record('viewer_token.revoked', {
      resource: { type: 'viewer_token', id },
      description: `Viewer token revoked${token.workspace !== null ? ` (workspace ${token.workspace})` : ''}`,
      metadata: {
        changed_fields: ['revoked_at'],
        workspace: token.workspace,
        actor: token.actor,
        created_by: token.created_by,
        revoked_at: revokedAt,
      },
    });
  });
}
