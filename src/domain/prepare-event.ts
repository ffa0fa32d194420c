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
  // Members are added in canonical order, and only when present (never as undefined).
  const event: Record<string, unknown> = { action: input.action, actor: storedActor(actor) };
  if (context) event.context = storedContext(context, enricher);
  if (input.description !== undefined) event.description = input.description;
  event.id = input.id ?? newId('evt', receivedAt.getTime());
  if (input.metadata !== undefined) event.metadata = input.metadata;
  event.occurred_at = input.occurred_at ? new Date(input.occurred_at).toISOString() : receivedIso;
  event.org = org;
  event.received_at = receivedIso;
  if (request) event.request = storedRequest(request);
  if (resource) event.resource = storedResource(resource);
  event.status = input.status ?? 'success';
  if (input.workspace !== undefined) event.workspace = input.workspace;
  // Only a client-chosen id can be sent again; a generated one is new by construction.
  event.input_hash = input.id !== undefined ? inputHashOf(input, event as unknown as PendingEvent) : '';
  event.client_id = input.id !== undefined;
  return event as unknown as PendingEvent;
}

function storedActor(actor: EventInput['actor']): EventInput['actor'] {
  const out: Partial<EventInput['actor']> = {};
  if (actor.email !== undefined) out.email = actor.email;
  out.id = actor.id;
  if (actor.name !== undefined) out.name = actor.name;
  out.type = actor.type;
  return out as EventInput['actor'];
}

function storedResource(resource: NonNullable<EventInput['resource']>): NonNullable<EventInput['resource']> {
  const out: Partial<NonNullable<EventInput['resource']>> = {};
  if (resource.id !== undefined) out.id = resource.id;
  if (resource.name !== undefined) out.name = resource.name;
  out.type = resource.type;
  return out as NonNullable<EventInput['resource']>;
}

function storedContext(context: NonNullable<EventInput['context']>, enricher: Enricher): StoredContext {
  const out: StoredContext = {};
  if (context.auth_type !== undefined) out.auth_type = context.auth_type;
  const client = context.user_agent ? enricher.client(context.user_agent) : undefined;
  if (client) out.client = client;
  if (context.ip !== undefined) out.ip = context.ip;
  const location = context.ip ? enricher.location(context.ip) : undefined;
  if (location) out.location = location;
  if (context.user_agent !== undefined) out.user_agent = context.user_agent;
  return out;
}

/** What is done to a request's free maps before they are kept: redaction, or nothing. */
interface RequestMaps {
  fields(value: unknown): unknown;
  headers(headers: Record<string, unknown>): Record<string, unknown>;
}

const REDACTED: RequestMaps = { fields: redactFields, headers: redactHeaders };
const AS_SENT: RequestMaps = { fields: (value) => value, headers: (headers) => headers };

function storedRequest(
  request: NonNullable<EventInput['request']>,
  maps: RequestMaps = REDACTED,
): NonNullable<PendingEvent['request']> {
  const out: Partial<NonNullable<PendingEvent['request']>> = {};
  if (request.api_key_last4 !== undefined) out.api_key_last4 = request.api_key_last4;
  if (request.body !== undefined) out.body = maps.fields(request.body);
  if (request.duration_ms !== undefined) out.duration_ms = request.duration_ms;
  if (request.headers !== undefined) out.headers = maps.headers(request.headers);
  out.method = request.method;
  if (request.params !== undefined) out.params = maps.fields(request.params) as Record<string, unknown>;
  out.path = request.path;
  if (request.query !== undefined) out.query = maps.fields(request.query) as Record<string, unknown>;
  out.status_code = request.status_code;
  return out as NonNullable<PendingEvent['request']>;
}

/**
 * Identity of what the client sent, for "same id, same content": the SHA-256 of the canonical
 * JSON of the input as sent, without `org` (the key already decides it) and with `occurred_at`
 * normalised (the same instant written two ways is the same content). A missing `occurred_at`
 * counts as missing, not as the receive time, so a retry of the same request is recognised.
 *
 * Stored hashes are compared with those of later retries, so this value never changes. It is
 * built from what the prepared event already holds (the actor and resource as stored: the same
 * members, in canonical order; the normalised time) with every member in canonical order, so
 * canonicalisation copies only the client's free maps (metadata, request body, query, params,
 * headers) where they are out of order, instead of every object of the input as parsed.
 */
function inputHashOf(input: EventInput, event: PendingEvent): string {
  const content: Record<string, unknown> = { action: input.action, actor: event.actor };
  // The context and request as sent: their members in canonical order, nothing derived or redacted.
  if (input.context !== undefined) content.context = storedContext(input.context, NO_ENRICHMENT);
  if (input.description !== undefined) content.description = input.description;
  content.id = input.id;
  if (input.metadata !== undefined) content.metadata = input.metadata;
  if (input.occurred_at !== undefined) content.occurred_at = event.occurred_at;
  if (input.request !== undefined) content.request = storedRequest(input.request, AS_SENT);
  if (input.resource !== undefined) content.resource = event.resource;
  if (input.status !== undefined) content.status = input.status;
  if (input.workspace !== undefined) content.workspace = input.workspace;
  return sha256Hex(canonicalJson(content));
}
