import { newId } from '../domain/ids.js';
import type { Enricher } from '../domain/prepare-event.js';
import type { Principal, RequestOrigin } from '../domain/principal.js';
import type { AuditStore, Org } from '../store/store.js';
import { selfEvent } from './self-event.js';

export async function createOrg(
  store: AuditStore,
  enricher: Enricher,
  input: { name: string; id?: string },
  principal: Principal | null,
  origin: RequestOrigin,
): Promise<Org> {
  const id = input.id ?? newId('org');
  return store.transaction(async (tx) => {
    const org = await tx.createOrg({ id, name: input.name });
    await tx.appendEvents(id, [
      selfEvent(
        id,
        'organization.created',
        principal,
        origin,
        {
          resource: { type: 'organization', id, name: input.name },
          description: `Organization ${input.name} created`,
        },
        enricher,
      ),
    ]);
    return org;
  });
}
