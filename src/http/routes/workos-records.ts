import { MAX_FUTURE_MS } from '../../contracts/event-schema.js';
import type { StoredEvent } from '../../domain/event.js';
import type { AppContext } from '../context.js';

/**
 * WorkOS's exports and action schemas have no table of their own: each is the event that recorded
 * its creation (`audit_log_export.created`, `audit_log_schema.created`), read back from the log,
 * newest first.
 */
export async function recordingEvents(
  ctx: AppContext,
  org: string,
  created: { action: string; resourceType: string; resourceId: string; limit: number },
): Promise<StoredEvent[]> {
  const page = await ctx.store.listEvents(org, {
    from: 0,
    // The whole log: an event may carry a time up to MAX_FUTURE_MS ahead of the clock.
    to: ctx.now().getTime() + MAX_FUTURE_MS,
    actions: [created.action],
    resourceType: created.resourceType,
    resourceId: created.resourceId,
    limit: created.limit,
  });
  return page.events;
}
