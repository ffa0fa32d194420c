import { type Principal, principalId, type RequestOrigin } from '../domain/principal.js';
import { describeFilter, type EventFilter } from '../domain/query.js';
import { Throttle } from '../identity/rate-limit.js';
import { audited, type ChangeDeps } from './audited.js';

/** `audit_log.viewed` is recorded at most once per principal and org in this window. */
export const VIEW_WINDOW_MS = 10 * 60_000;

/**
 * Records that a person (session) or an end customer (viewer token) read an org's log. API keys
 * reading the log are integrations, not viewers, and are not recorded. The database decides
 * "once per window" (so several processes agree); a local throttle spares it the question on
 * every page.
 */
export class LogViews {
  private readonly recent = new Throttle(VIEW_WINDOW_MS);

  constructor(private readonly deps: ChangeDeps) {}

  async viewed(
    org: string,
    principal: Principal,
    origin: RequestOrigin,
    filter?: EventFilter,
  ): Promise<void> {
    if (principal.type === 'api_key') return;
    const who = principalId(principal);
    const now = this.deps.now();
    if (!this.recent.due(`${org}\n${who}`, now.getTime())) return;
    await audited(this.deps, { principal, origin }, async (tx, record) => {
      const claimed = await tx.identity.claimView(org, who, now.toISOString(), VIEW_WINDOW_MS);
      if (!claimed) return;
      const metadata: Record<string, unknown> = { window_minutes: VIEW_WINDOW_MS / 60_000 };
      if (filter) metadata.filters = describeFilter(filter);
      if (principal.type === 'viewer') {
        metadata.viewer_token = { workspace: principal.workspace, actor: principal.actor };
      }
      record(org, 'audit_log.viewed', {
        resource: { type: 'audit_log', id: org },
        description:
          principal.type === 'user'
            ? `${principal.email} viewed the audit log`
            : 'The audit log was viewed with a viewer token',
        metadata,
      });
    });
  }
}
