import type { Invitation } from '../contracts/api.js';
import { AppError, validationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Grant, Permission } from '../domain/permissions.js';
import type { Principal, RequestOrigin } from '../domain/principal.js';
import type { MemberRecord, UserRecord } from '../store/identity-store.js';
import type { StoreTx } from '../store/store.js';
import { actsAsOwner } from './access.js';
import type { IdentitySettings } from './authenticator.js';
import type { Mailer } from './mailer.js';
import { hashPassword, passwordIssues, verifyPassword } from './passwords.js';
import { assertHolds, rolePermissions } from './roles.js';
import { audited, type Cause, type ChangeDeps } from './self-audit.js';
import { type NewSession, openSession, type SessionView, sessionView, userPrincipal } from './sessions.js';
import { hashToken, INVITATION_PREFIX, newToken } from './tokens.js';

export const INVITATION_TTL_MS = 7 * 24 * 3_600_000;

/** Who is acting on the members of an org, and what they hold there. */
export interface Actor {
  principal: Principal;
  member: MemberRecord | undefined;
  grants: ReadonlySet<Grant>;
  origin: RequestOrigin;
}

function assertMayAssign(actor: Actor, role: string, permissions: readonly Permission[]): void {
  if (role === 'owner' && !actsAsOwner(actor.principal, actor.member)) {
    throw new AppError('forbidden', 'only owners may grant the owner role');
  }
  assertHolds(actor.grants, permissions, `the role ${role}`);
}

/** Owners are managed by owners; nobody acts on someone who holds more than they do. */
function assertMayManage(actor: Actor, target: MemberRecord): void {
  if (target.role === 'owner' && !actsAsOwner(actor.principal, actor.member)) {
    throw new AppError('forbidden', 'only owners may change or remove an owner');
  }
  assertHolds(actor.grants, target.permissions, `changing ${target.email}`);
}

async function assertNotLastOwner(tx: StoreTx, org: string, target: MemberRecord): Promise<void> {
  if (target.role === 'owner' && (await tx.identity.countMembersWithRole(org, 'owner')) <= 1) {
    throw new AppError('conflict', 'the last owner of an organization cannot be removed or demoted');
  }
}

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
): Promise<{ view: SessionView; session: NewSession }> {
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
  return { view: sessionView(result.user, members, result.session.secret), session: result.session };
}

export async function changeMemberRole(
  deps: ChangeDeps,
  org: string,
  userId: string,
  role: string,
  actor: Actor,
): Promise<MemberRecord> {
  return audited(deps, actor, async (tx, record) => {
    const target = await tx.identity.getMember(org, userId);
    if (!target) throw new AppError('not_found', `member ${userId} not found`);
    if (target.role === role) return target;
    const next = await rolePermissions(tx, org, role);
    assertMayManage(actor, target);
    assertMayAssign(actor, role, next.permissions);
    await assertNotLastOwner(tx, org, target);
    await tx.identity.setMemberRole(org, userId, role);
    record(org, 'member.role_changed', {
      resource: { type: 'member', id: userId, name: target.email },
      description: `${target.email}: role changed from ${target.role_name} to ${next.name}`,
      metadata: {
        changed_fields: ['role'],
        before: { role: target.role, role_name: target.role_name },
        after: { role, role_name: next.name },
      },
    });
    return (await tx.identity.getMember(org, userId))!;
  });
}

export async function removeMember(
  deps: ChangeDeps,
  org: string,
  userId: string,
  actor: Actor,
): Promise<void> {
  await audited(deps, actor, async (tx, record) => {
    const target = await tx.identity.getMember(org, userId);
    if (!target) throw new AppError('not_found', `member ${userId} not found`);
    assertMayManage(actor, target);
    await assertNotLastOwner(tx, org, target);
    await tx.identity.removeMember(org, userId);
    record(org, 'member.removed', {
      resource: { type: 'member', id: userId, name: target.email },
      description: `${target.email} removed (was ${target.role_name})`,
      metadata: {
        changed_fields: ['role'],
        before: { role: target.role, role_name: target.role_name },
        after: { role: null },
      },
    });
  });
}

/**
 * Adds a person to an org without an invitation (the CLI and the first start): creates the account
 * when the email is new. Returns the generated password's user, or the existing one.
 */
export async function addMemberDirectly(
  deps: ChangeDeps,
  org: string,
  input: { email: string; name: string; role: string; passwordHash: string; via: 'cli' | 'first_start' },
  cause: Cause,
): Promise<{ user: UserRecord; created: boolean }> {
  const email = input.email.trim().toLowerCase();
  const now = deps.now().toISOString();
  return audited(deps, cause, async (tx, record) => {
    const role = await rolePermissions(tx, org, input.role);
    const existing = await deps.store.identity.findUserByEmail(email);
    const user =
      existing ??
      (await tx.identity.createUser({
        id: newId('usr'),
        email,
        name: input.name,
        password_hash: input.passwordHash,
        created_at: now,
      }));
    await tx.identity.addMember(org, user.id, input.role, now);
    record(org, 'member.added', {
      resource: { type: 'member', id: user.id, name: user.email },
      description: `${user.email} added as ${role.name}`,
      metadata: {
        changed_fields: ['role'],
        role: input.role,
        role_name: role.name,
        via: input.via,
        new_account: !existing,
      },
    });
    return { user, created: !existing };
  });
}
