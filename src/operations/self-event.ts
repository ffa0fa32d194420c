import type { SelfAction } from '../contracts/self-actions.js';
import type { EventInput, PendingEvent } from '../domain/event.js';
import { type Enricher, prepareEvent } from '../domain/prepare-event.js';
import { actorOf, authTypeOf, type Principal, type RequestOrigin } from '../domain/principal.js';

/** An event Trailmark records about its own actions (SPEC §5), attributed to the principal. */
export function selfEvent(
  org: string,
  action: SelfAction,
  principal: Principal | null,
  origin: RequestOrigin,
  fields: Pick<EventInput, 'resource' | 'description' | 'metadata' | 'status'>,
  enricher: Enricher,
  now = new Date(),
): PendingEvent {
  const input: EventInput = {
    action,
    actor: principal ? actorOf(principal) : { type: 'system', id: 'trailmark', name: 'Trailmark' },
    ...fields,
  };
  const context: NonNullable<EventInput['context']> = {};
  if (origin.ip) context.ip = origin.ip;
  if (origin.userAgent) context.user_agent = origin.userAgent.slice(0, 1024);
  if (principal) context.auth_type = authTypeOf(principal);
  if (Object.keys(context).length) input.context = context;
  return prepareEvent(input, org, now, enricher);
}
