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
 * millisecond ISO form, secrets redacted, location and client derived. The order of keys is
 * irrelevant to the hash (JCS sorts them) but kept stable for readers.
 */
export function prepareEvent(
  input: EventInput,
  org: string,
  receivedAt: Date,
  enricher: Enricher,
): PendingEvent {
  const receivedIso = receivedAt.toISOString();
  const event: PendingEvent = {
    id: input.id ?? newId('evt', receivedAt.getTime()),
    org,
    action: input.action,
    occurred_at: input.occurred_at ? new Date(input.occurred_at).toISOString() : receivedIso,
    received_at: receivedIso,
    actor: { ...input.actor },
    status: input.status ?? 'success',
    input_hash: inputHash(input),
    client_id: input.id !== undefined,
  };
  if (input.resource) event.resource = { ...input.resource };
  if (input.workspace !== undefined) event.workspace = input.workspace;
  if (input.description !== undefined) event.description = input.description;
  if (input.context) {
    const context: StoredContext = { ...input.context };
    if (context.ip) {
      const location = enricher.location(context.ip);
      if (location) context.location = location;
    }
    if (context.user_agent) {
      const client = enricher.client(context.user_agent);
      if (client) context.client = client;
    }
    event.context = context;
  }
  if (input.request) {
    const { query, params, body, headers, ...rest } = input.request;
    const request: NonNullable<PendingEvent['request']> = { ...rest };
    if (query !== undefined) request.query = redactFields(query) as Record<string, unknown>;
    if (params !== undefined) request.params = redactFields(params) as Record<string, unknown>;
    if (body !== undefined) request.body = redactFields(body);
    if (headers !== undefined) request.headers = redactHeaders(headers);
    event.request = request;
  }
  if (input.metadata !== undefined) event.metadata = input.metadata;
  return event;
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
