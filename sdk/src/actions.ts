import type { Actor, EventInput, Resource } from './types.js';

/**
 * Typed builders for common actions, producing SPEC §2 events with the action names Trailmark
 * uses for its own (SPEC §5). Every field of an event may still be given; `metadata` given by
 * the caller is merged over what the builder adds.
 */

/** Every event field except those the builder decides. */
export type ActionInput = Omit<EventInput, 'action' | 'resource'>;

export interface LoginFailedInput extends ActionInput {
  /** Why the sign-in failed (`bad_password`, `locked`, …), kept in metadata.reason. */
  reason?: string;
}

export interface ApiKeyInput extends ActionInput {
  key: { id: string; name?: string; last4?: string };
}

/** The person concerned: an id, an email, or both. */
export type MemberRef =
  | { id: string; email?: string; name?: string }
  | { id?: string; email: string; name?: string };

export interface MemberInput extends ActionInput {
  member: MemberRef;
  role?: string;
}

export interface RoleChangedInput extends ActionInput {
  member: MemberRef;
  from?: string;
  to: string;
}

export interface ResourceInput extends ActionInput {
  resource: Resource & { id: string };
  /** For updates: the fields that changed, kept in metadata.changed_fields. */
  changedFields?: readonly string[];
}

function label(actor: Actor): string {
  return actor.name ?? actor.email ?? actor.id;
}

function build(
  input: ActionInput,
  action: string,
  extra: { resource?: Resource; description: string; metadata?: Record<string, unknown>; failure?: boolean },
): EventInput {
  const event: EventInput = { ...input, action };
  if (extra.resource) event.resource = extra.resource;
  if (input.description === undefined) event.description = extra.description;
  if (extra.failure && input.status === undefined) event.status = 'failure';
  if (extra.metadata && Object.keys(extra.metadata).length > 0) {
    event.metadata = { ...extra.metadata, ...input.metadata };
  }
  return event;
}

function memberResource(member: MemberRef): Resource {
  const id = member.id ?? member.email!;
  const name = member.name ?? member.email;
  return name === undefined ? { type: 'member', id } : { type: 'member', id, name };
}

function defined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/** `Invoice Template` → `invoice_template`: a resource type as an action segment. */
export function actionSegment(type: string): string {
  return (
    type
      .toLowerCase()
      .replace(/[^a-z0-9_.]+/g, '_')
      .replace(/^[._]+|[._]+$/g, '') || 'resource'
  );
}

export const events = {
  auth: {
    login: (input: ActionInput) =>
      build(input, 'user.login', { description: `${label(input.actor)} signed in` }),
    loginFailed: (input: LoginFailedInput) => {
      const { reason, ...rest } = input;
      return build(rest, 'user.login_failed', {
        description: `Failed sign-in for ${label(input.actor)}`,
        metadata: defined({ reason }),
        failure: true,
      });
    },
    logout: (input: ActionInput) =>
      build(input, 'user.logout', { description: `${label(input.actor)} signed out` }),
  },
  apiKey: {
    created: (input: ApiKeyInput) => apiKeyEvent(input, 'created'),
    deleted: (input: ApiKeyInput) => apiKeyEvent(input, 'deleted'),
  },
  member: {
    invited: (input: MemberInput) => memberEvent(input, 'member.invited', 'invited'),
    removed: (input: MemberInput) => memberEvent(input, 'member.removed', 'removed'),
    roleChanged: (input: RoleChangedInput) => {
      const { member, from, to, ...rest } = input;
      const resource = memberResource(member);
      return build(rest, 'member.role_changed', {
        resource,
        description: `${label(input.actor)} changed the role of ${resource.name ?? resource.id} to ${to}`,
        metadata: defined({ previous_role: from, role: to }),
      });
    },
  },
  resource: {
    created: (input: ResourceInput) => resourceEvent(input, 'created'),
    updated: (input: ResourceInput) => resourceEvent(input, 'updated'),
    deleted: (input: ResourceInput) => resourceEvent(input, 'deleted'),
  },
};

function apiKeyEvent(input: ApiKeyInput, verb: 'created' | 'deleted'): EventInput {
  const { key, ...rest } = input;
  const resource: Resource =
    key.name === undefined
      ? { type: 'api_key', id: key.id }
      : { type: 'api_key', id: key.id, name: key.name };
  return build(rest, `api_key.${verb}`, {
    resource,
    description: `${label(input.actor)} ${verb} API key ${key.name ?? key.id}`,
    metadata: defined({ last4: key.last4 }),
  });
}

function memberEvent(input: MemberInput, action: string, verb: string): EventInput {
  const { member, role, ...rest } = input;
  const resource = memberResource(member);
  return build(rest, action, {
    resource,
    description: `${label(input.actor)} ${verb} ${resource.name ?? resource.id}`,
    metadata: defined({ role }),
  });
}

function resourceEvent(input: ResourceInput, verb: 'created' | 'updated' | 'deleted'): EventInput {
  const { resource, changedFields, ...rest } = input;
  return build(rest, `${actionSegment(resource.type)}.${verb}`, {
    resource,
    description: `${label(input.actor)} ${verb} ${resource.type} ${resource.name ?? resource.id}`,
    metadata: defined({ changed_fields: changedFields ? [...changedFields] : undefined }),
  });
}

type Builders = typeof events;
type Recording<T> = {
  [K in keyof T]: T[K] extends (input: infer I) => EventInput ? (input: I) => Promise<RecordedLike> : never;
};
interface RecordedLike {
  id: string;
  queued: boolean;
}

/** The builders, each recording the event it builds. */
export type ActionHelpers = { [K in keyof Builders]: Recording<Builders[K]> };

export function recordingHelpers(record: (event: EventInput) => Promise<RecordedLike>): ActionHelpers {
  const wrap = <T extends Record<string, (input: never) => EventInput>>(group: T) =>
    Object.fromEntries(
      Object.entries(group).map(([name, builder]) => [name, (input: never) => record(builder(input))]),
    ) as Recording<T>;
  return {
    auth: wrap(events.auth),
    apiKey: wrap(events.apiKey),
    member: wrap(events.member),
    resource: wrap(events.resource),
  };
}
