import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Grant, Permission } from '../domain/permissions.js';
import type { Principal, RequestOrigin } from '../domain/principal.js';
import { actsAsOwner } from '../identity/access.js';
import { assertHolds, rolePermissions } from '../identity/roles.js';
import type { MemberRecord, UserRecord } from '../store/identity-store.js';
import type { StoreTx } from '../store/store.js';
import { audited, auditedOn, type Cause, type ChangeDeps, type Existing, type OrgChange } from './audited.js';

/** Who is acting on the members of an org, and what they hold there. */
export interface Actor {
  principal: Principal;
  member: MemberRecord | undefined;
  grants: ReadonlySet<Grant>;
  origin: RequestOrigin;
}

/** Only owners grant the owner role; nobody grants a role holding more than they do. */
export function assertMayAssign(actor: Actor, role: string, permissions: readonly Permission[]): void {
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

/** The member `userId`, as a change finds them. */
function member(userId: string): Existing<MemberRecord> {
  return { read: (tx, org) => tx.identity.getMember(org, userId), name: `member ${userId}` };
}

async function assertNotLastOwner(tx: StoreTx, org: string, target: MemberRecord): Promise<void> {
  if (target.role === 'owner' && (await tx.identity.countMembersWithRole(org, 'owner')) <= 1) {
    throw new AppError('conflict', 'the last owner of an organization cannot be removed or demoted');
  }
}

export async function changeMemberRole(
  change: OrgChange<Actor>,
  userId: string,
  role: string,
): Promise<MemberRecord> {
  const actor = change.cause;
  return auditedOn(change, member(userId), async (target, { tx, record, org }) => {
    if (target.role === role) return target;
    const next = await rolePermissions(tx, org, role);
    assertMayManage(actor, target);
    assertMayAssign(actor, role, next.permissions);
    await assertNotLastOwner(tx, org, target);
    await tx.identity.setMemberRole(org, userId, role);
    record('member.role_changed', {
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

export async function removeMember(change: OrgChange<Actor>, userId: string): Promise<void> {
  const actor = change.cause;
  await auditedOn(change, member(userId), async (target, { tx, record, org }) => {
    assertMayManage(actor, target);
    await assertNotLastOwner(tx, org, target);
    await tx.identity.removeMember(org, userId);
    record('member.removed', {
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
