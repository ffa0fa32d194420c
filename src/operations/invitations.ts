import type { Invitation } from '../contracts/api.js';
import type { Mailer } from '../delivery/mailer.js';
import { AppError, validationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { RequestOrigin } from '../domain/principal.js';
import type { IdentitySettings } from '../identity/authenticator.js';
import { hashPassword, passwordIssues, verifyPassword } from '../identity/passwords.js';
import { rolePermissions } from '../identity/roles.js';
import { openSession, type SignedIn, signedIn, userPrincipal } from '../identity/sessions.js';
import { hashToken, INVITATION_PREFIX, newToken } from '../identity/tokens.js';
import type { UserRecord } from '../store/identity-store.js';
import { audited, type ChangeDeps } from './audited.js';
import { type Actor, assertMayAssign } from './members.js';

export const INVITATION_TTL_MS = 7 * 24 * 3_600_000;

/** POST /v1/members/invitations answers it (src/contracts/api.ts). */
export type InvitationView = Invitation;

export async function inviteMember(
  deps: ChangeDeps & { mailer: Mailer; settings: IdentitySettings; onError: (error: unknown) => void },
  org: string,
  input: { email: string; role: string },
  actor: Actor,
): Promise<InvitationView> {
  const email = input.email.trim().toLowerCase();
  const token = newToken(INVITATION_PREFIX);
  const id = newId('inv');
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS).toISOString();
  const orgName = await audited(deps, actor, async (tx, record) => {
    const role = await rolePermissions(tx, org, input.role);
    assertMayAssign(actor, input.role, role.permissions);
    const user = await deps.store.identity.findUserByEmail(email);
    if (user && (await tx.identity.getMember(org, user.id))) {
      throw new AppError('conflict', `${email} is already a member`);
    }
    await tx.identity.createInvitation({
      id,
      org,
      email,
      role: input.role,
      token_hash: hashToken(token),
      created_by: actor.principal.type === 'user' ? actor.principal.userId : null,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      accepted_at: null,
      accepted_by: null,
    });
    record(org, 'member.invited', {
      resource: { type: 'invitation', id, name: email },
      description: `${email} invited as ${role.name}`,
      metadata: {
        changed_fields: ['email', 'role'],
        email,
        role: input.role,
        role_name: role.name,
        expires_at: expiresAt,
      },
    });
    return (await deps.store.getOrg(org))?.name ?? org;
  });
  const acceptUrl = `${deps.settings.publicUrl}/invitations/accept?token=${encodeURIComponent(token)}`;
  let delivery: InvitationView['delivery'];
  try {
    delivery = await deps.mailer.send({
      to: email,
      subject: `You are invited to ${orgName} on Trailmark`,
      text: `You have been invited to join ${orgName} on Trailmark.\n\nAccept the invitation (the link works once, until ${expiresAt}):\n${acceptUrl}\n`,
    });
  } catch (error) {
    deps.onError(error);
    delivery = 'failed';
  }
  return { id, email, role: input.role, expires_at: expiresAt, accept_url: acceptUrl, delivery };
}

/**
 * Accepts an invitation: creates the account (or, for an existing one, checks its password) and
 * the membership, and signs the person in. The token works once: marking it used is a
 * conditional update in the same transaction as the membership.
 */
export async function acceptInvitation(
  deps: ChangeDeps & { settings: IdentitySettings },
  input: { token: string; name: string; password: string },
  origin: RequestOrigin,
): Promise<SignedIn> {
  const now = deps.now();
  const invitation = input.token.startsWith(`${INVITATION_PREFIX}_`)
    ? await deps.store.identity.findInvitationByHash(hashToken(input.token))
    : undefined;
  if (!invitation || invitation.accepted_at || Date.parse(invitation.expires_at) <= now.getTime()) {
    throw new AppError('not_found', 'the invitation does not exist, was already used, or has expired');
  }
  const existing = await deps.store.identity.findUserByEmail(invitation.email);
  let passwordHash: string | undefined;
  if (existing) {
    if (!(await verifyPassword(existing.password_hash, input.password))) {
      throw new AppError('unauthorized', `an account for ${invitation.email} exists: enter its password`);
    }
  } else {
    const issues = passwordIssues(input.password, '/password', invitation.email);
    if (issues.length) throw validationError(issues);
    passwordHash = await hashPassword(input.password);
  }
  const result = await audited(deps, { principal: null, origin }, async (tx, record) => {
    const user: UserRecord =
      existing ??
      (await tx.identity.createUser({
        id: newId('usr'),
        email: invitation.email,
        name: input.name,
        password_hash: passwordHash!,
        created_at: now.toISOString(),
      }));
    if (!(await tx.identity.acceptInvitation(invitation.id, user.id, now.toISOString()))) {
      throw new AppError('not_found', 'the invitation does not exist, was already used, or has expired');
    }
    const role = await rolePermissions(tx, invitation.org, invitation.role);
    await tx.identity.addMember(invitation.org, user.id, invitation.role, now.toISOString());
    const session = await openSession(tx, user.id, now, deps.settings, origin);
    record(
      invitation.org,
      'member.added',
      {
        resource: { type: 'member', id: user.id, name: user.email },
        description: `${user.email} accepted the invitation and joined as ${role.name}`,
        metadata: {
          changed_fields: ['role'],
          role: invitation.role,
          role_name: role.name,
          via: 'invitation',
          invitation_id: invitation.id,
          invited_by: invitation.created_by,
          new_account: !existing,
        },
      },
      userPrincipal(user, session.id),
    );
    return { user, session };
  });
  const members = await deps.store.identity.membershipsOf(result.user.id);
  return signedIn(result.user, members, result.session);
}
