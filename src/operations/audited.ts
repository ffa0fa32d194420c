import type { SelfAction } from '../contracts/self-actions.js';
import { found } from '../domain/errors.js';
import type { EventInput, PendingEvent } from '../domain/event.js';
import type { Enricher } from '../domain/prepare-event.js';
import { type Principal, principalId, type RequestOrigin, type UserPrincipal } from '../domain/principal.js';
import type { MemberRecord } from '../store/identity-store.js';
import type { AppendedEvent, AuditStore, StoreTx } from '../store/store.js';
import { selfEvent } from './self-event.js';

/** Test hooks; absent in production. */
export interface ChangeHooks {
  /**
   * Runs inside the transaction once a change and its events are written, before the commit.
   * Throwing rolls back both: the tests use it to prove that neither survives alone.
   */
  beforeCommit?: (actions: string[]) => void;
}

/** What an operation that changes Trailmark's own state needs. */
export interface ChangeDeps {
  store: AuditStore;
  enricher: Enricher;
  now: () => Date;
  hooks?: ChangeHooks;
  /** Runs once a change has committed (the authenticator forgets the API keys it has read). */
  afterChange?: () => void;
}

/** Who caused a change and from where: the actor, IP and user agent of its events. */
export interface Cause {
  principal: Principal | null;
  origin: RequestOrigin;
}

/** Who caused a change as the `created_by` and `*_by` columns name them; null for the system. */
export function causedBy(cause: Cause): string | null {
  return cause.principal ? principalId(cause.principal) : null;
}

export type EventFields = Pick<EventInput, 'resource' | 'description' | 'metadata' | 'status'>;

/**
 * Records one of Trailmark's own events (SPEC §5) about the change in progress, to be appended in
 * the change's transaction; `principal` overrides the cause's actor.
 */
export type RecordEvent = (
  org: string,
  action: SelfAction,
  fields: EventFields,
  principal?: Principal | null,
) => void;

/**
 * Runs a change of Trailmark's own state and the events that record it in one transaction: the
 * change can never happen without its record, nor the record without the change.
 */
export async function audited<T>(
  deps: ChangeDeps,
  cause: Cause,
  change: (tx: StoreTx, record: RecordEvent) => Promise<T>,
): Promise<T> {
  return (await auditedWithEvents(deps, cause, change)).result;
}

/**
 * A change to one org's things: what it needs, the org, and who causes it. The org-scoped routes
 * hand one to the operations they call (OrgRequest.change), so that an operation's own arguments
 * are what the change is about: the thing's id, the changes asked for.
 */
export interface OrgChange<C extends Cause = Cause> {
  deps: ChangeDeps;
  org: string;
  cause: C;
}

/** Records one of Trailmark's own events about a change, in the change's org. */
export type RecordInOrg = (action: SelfAction, fields: EventFields) => void;

/** What a change in one org is handed: its transaction, `record` for that org, its time, the org. */
export interface InOrg {
  tx: StoreTx;
  record: RecordInOrg;
  /** The change's time (ISO text), for whatever it stamps. */
  at: string;
  org: string;
}

/** audited() for a change in one org. */
export function auditedIn<T>(change: OrgChange, apply: (c: InOrg) => Promise<T>): Promise<T> {
  const { deps, org, cause } = change;
  const at = deps.now().toISOString();
  return audited(deps, cause, (tx, record) =>
    apply({ tx, record: (action, fields) => record(org, action, fields), at, org }),
  );
}

/** How a change finds the one thing of the org it is about, and names it when there is none. */
export interface Existing<R> {
  read: (tx: StoreTx, org: string) => Promise<R | undefined>;
  name: string;
}

/**
 * auditedIn() for a change to one existing thing of the org: it is read inside the transaction
 * (answered 404, naming it, when there is none) and handed to `apply` as it was before.
 */
export function auditedOn<R, T>(
  change: OrgChange,
  existing: Existing<R>,
  apply: (before: R, c: InOrg) => Promise<T>,
): Promise<T> {
  return auditedIn(change, async (c) => apply(found(await existing.read(c.tx, c.org), existing.name), c));
}

/** audited(), also answering the events the change recorded as stored (with seq and hash). */
export async function auditedWithEvents<T>(
  deps: ChangeDeps,
  cause: Cause,
  change: (tx: StoreTx, record: RecordEvent) => Promise<T>,
): Promise<{ result: T; events: AppendedEvent[] }> {
  const now = deps.now();
  const appended: AppendedEvent[] = [];
  const result = await deps.store.transaction(async (tx) => {
    const byOrg = new Map<string, PendingEvent[]>();
    const actions: SelfAction[] = [];
    const record: RecordEvent = (org, action, fields, principal = cause.principal) => {
      const event = selfEvent(org, action, principal, cause.origin, fields, deps.enricher, now);
      byOrg.set(org, [...(byOrg.get(org) ?? []), event]);
      actions.push(action);
    };
    const result = await change(tx, record);
    for (const [org, events] of byOrg) appended.push(...(await tx.appendEvents(org, events)));
    deps.hooks?.beforeCommit?.(actions);
    return result;
  });
  deps.afterChange?.();
  return { result, events: appended };
}

/** Records one event in each org the user belongs to (a person's sign-in concerns all of them). */
export function recordInEachOrg(
  record: RecordEvent,
  members: MemberRecord[],
  action: SelfAction,
  fields: EventFields,
  principal?: UserPrincipal,
): void {
  for (const m of members) record(m.org, action, fields, principal);
}

/** The fields of `after` that differ from `before`, for `metadata.changed_fields`. */
export function changedFields<T extends object>(before: T, after: Partial<T>): (keyof T & string)[] {
  return (Object.keys(after) as (keyof T & string)[]).filter(
    (k) => after[k] !== undefined && JSON.stringify(after[k]) !== JSON.stringify(before[k]),
  );
}

/**
 * The `metadata` of an update: the fields that changed, with their values before and after (null
 * where a side has none). `shown` narrows the values to what may be recorded (never a secret),
 * while `changed_fields` still names every field that changed.
 */
export function changeMetadata<T extends object>(
  changed: readonly string[],
  before: T,
  after: T,
  shown: readonly string[] = changed,
): { changed_fields: string[]; before: Record<string, unknown>; after: Record<string, unknown> } {
  const valuesOf = (side: T) =>
    Object.fromEntries(shown.map((k) => [k, (side as Record<string, unknown>)[k] ?? null]));
  return { changed_fields: [...changed], before: valuesOf(before), after: valuesOf(after) };
}
