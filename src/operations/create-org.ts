import { newId } from '../domain/ids.js';
import type { Org } from '../store/store.js';
import { audited, type Cause, type ChangeDeps } from './audited.js';

/**
 * Creates an org. When a person creates it they become its owner, in the same transaction, so an
 * org made from the dashboard is never left without anyone who can manage it.
 */
export async function createOrg(
  deps: ChangeDeps,
  input: { name: string; id?: string },
  cause: Cause,
): Promise<Org> {
  const id = input.id ?? newId('org');
  const at = deps.now().toISOString();
  return audited(deps, cause, async (tx, record) => {
    const org = await tx.createOrg({ id, name: input.name });
    record(id, 'organization.created', {
      resource: { type: 'organization', id, name: input.name },
      description: `Organization ${input.name} created`,
      metadata: { changed_fields: input.id ? ['id', 'name'] : ['name'], name: input.name },
    });
    const principal = cause.principal;
    if (principal?.type === 'user') {
      await tx.identity.addMember(id, principal.userId, 'owner', at);
      record(id, 'member.added', {
        resource: { type: 'member', id: principal.userId, name: principal.email },
        description: `${principal.email} joined ${input.name} as owner (creator)`,
        metadata: { changed_fields: ['role'], role: 'owner', via: 'created_org' },
      });
    }
    return org;
  });
}
