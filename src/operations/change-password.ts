import { AppError, validationError } from '../domain/errors.js';
import type { RequestOrigin, UserPrincipal } from '../domain/principal.js';
import type { IdentitySettings } from '../identity/authenticator.js';
import { hashPassword, passwordIssues } from '../identity/passwords.js';
import { openSession, type SignedIn, signedIn } from '../identity/sessions.js';
import { audited, type ChangeDeps, recordInEachOrg } from './audited.js';
import type { Logins } from './sign-in.js';

/**
 * Changes a password: every session of the user is revoked (a stolen one stops working) and a
 * new one is opened for the browser that made the change.
 */
export async function changePassword(
  deps: ChangeDeps,
  logins: Logins,
  settings: IdentitySettings,
  principal: UserPrincipal,
  input: { currentPassword: string; newPassword: string },
  origin: RequestOrigin,
): Promise<SignedIn> {
  const user = await deps.store.identity.getUser(principal.userId);
  if (!user) throw new AppError('unauthorized', 'the session has expired or was signed out');
  await logins.checkPassword(user, input.currentPassword);
  const issues = passwordIssues(input.newPassword, '/new_password', user.email);
  if (issues.length) throw validationError(issues);
  const passwordHash = await hashPassword(input.newPassword);
  const members = await deps.store.identity.membershipsOf(user.id);
  const now = deps.now();
  const session = await audited(deps, { principal, origin }, async (tx, record) => {
    await tx.identity.setPassword(user.id, passwordHash, now.toISOString());
    const revoked = await tx.identity.revokeUserSessions(user.id, now.toISOString());
    const opened = await openSession(tx, user.id, now, settings, origin);
    recordInEachOrg(record, members, 'user.password_changed', {
      resource: { type: 'user', id: user.id, name: user.email },
      description: `${user.email} changed their password`,
      metadata: { changed_fields: ['password'], sessions_revoked: revoked },
    });
    return opened;
  });
  return signedIn(user, members, session);
}
