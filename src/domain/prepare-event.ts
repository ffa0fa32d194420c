import { sha256Hex } from './chain.js';
import type { ClientInfo, EventInput, Location, PendingEvent, StoredContext } from './event.js';
import { newId } from './ids.js';
import { canonicalJson } from './jcs.js';
import { redactFields, redactHeaders } from './redact.js';

/** Looks up what the IP and user agent say; implementations live outside the domain. */
export interface Enricher {
  location(ip: string): Location | undefined;
  client(userAgent: string): ClientInfo | undefined;
}

export const NO_ENRICHMENT: Enricher = { location: () => undefined, client: () => undefined };

/**
 * Turns a validated input into the event to store: defaults applied, time normalised to
 * millisecond ISO form, secrets redacted, location and client derived. Objects are built with
 * their members in canonical (sorted) order, so canonicalisation finds them in order and does
 * not copy them.
 */
export function prepareEvent(
  input: EventInput,
  org: string,
  receivedAt: Date,
  enricher: Enricher,
): PendingEvent {
  const receivedIso = receivedAt.toISOString();
  const { actor, resource, context, request } = input;
  const event = {
    action: input.action,
    actor: { email: actor.email, id: actor.id, name: actor.name, type: actor.type },
    context: context && storedContext(context, enricher),
    description: input.description,
    id: input.id ?? newId('evt', receivedAt.getTime()),
    metadata: input.metadata,
    occurred_at: input.occurred_at ? new Date(input.occurred_at).toISOString() : receivedIso,
    org,
    received_at: receivedIso,
    request: request && storedRequest(request),
    resource: resource && { id: resource.id, name: resource.name, type: resource.type },
    status: input.status ?? 'success',
    workspace: input.workspace,
    // Only a client-chosen id can be sent again; a generated one is new by construction.
    input_hash: input.id !== undefined ? inputHash(input) : '',
    client_id: input.id !== undefined,
  };
  return dropUndefined(event) as unknown as PendingEvent;
}

function storedContext(context: NonNullable<EventInput['context']>, enricher: Enricher): StoredContext {
  const location = context.ip ? enricher.location(context.ip) : undefined;
  const client = context.user_agent ? enricher.client(context.user_agent) : undefined;
  return dropUndefined({
    auth_type: context.auth_type,
    client,
    ip: context.ip,
    location,
    user_agent: context.user_agent,
  });
}

function storedRequest(request: NonNullable<EventInput['request']>): NonNullable<PendingEvent['request']> {
  return dropUndefined({
    api_key_last4: request.api_key_last4,
    body: request.body === undefined ? undefined : redactFields(request.body),
    duration_ms: request.duration_ms,
    headers: request.headers && redactHeaders(request.headers),
    method: request.method,
    params: request.params && (redactFields(request.params) as Record<string, unknown>),
    path: request.path,
    query: request.query && (redactFields(request.query) as Record<string, unknown>),
    status_code: request.status_code,
  });
}

/** Stored events hold no `undefined` members: what is absent is absent from the JSON too. */
function dropUndefined<T extends object>(object: T): T {
  for (const key in object) if (object[key] === undefined) delete object[key];
  return object;
}

/**
 * Identity of what the client sent, for "same id, same content". `org` is left out because the
 * key already decides it, and a missing `occurred_at` counts as missing, not as the receive time,
 * so a retry of the same request is recognised as the same event.
 */
export function inputHash(input: EventInput): string {
  const { org: _org, ...content } = input;
  return sha256Hex(canonicalJson(content));
}
