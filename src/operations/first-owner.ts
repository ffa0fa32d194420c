import { newId } from '../domain/ids.js';
import { generatePassword, hashPassword } from '../identity/passwords.js';
import type { ChangeDeps } from './audited.js';
import { addMemberDirectly } from './members.js';
import { createOrg } from './orgs.js';

/**
 * The first start with no users creates the first owner (and an org when there is none), and
 * prints the email and a generated password once. Several processes starting together on one
 * PostgreSQL race on the unique email: the loser creates nothing and prints nothing.
 */
export async function ensureFirstOwner(
  deps: ChangeDeps,
  email: string,
  print: (text: string) => void,
): Promise<{ email: string; password: string; org: string } | undefined> {
  if ((await deps.store.identity.countUsers()) > 0) return undefined;
  const cause = { principal: null, origin: {} };
  const orgs = await deps.store.listOrgs();
  const org = orgs[0] ?? (await createOrg(deps, { name: 'My organization', id: newId('org') }, cause));
  const password = generatePassword();
  try {
    await addMemberDirectly(
      deps,
      org.id,
      { email, name: 'Owner', role: 'owner', passwordHash: await hashPassword(password), via: 'first_start' },
      cause,
    );
  } catch (error) {
    if ((await deps.store.identity.countUsers()) > 0) return undefined;
    throw error;
  }
  print(
    `\n  First owner created (shown only now; sign in and change the password):\n` +
      `    email:    ${email}\n    password: ${password}\n    org:      ${org.name} (${org.id})\n\n`,
  );
  return { email, password, org: org.id };
}
