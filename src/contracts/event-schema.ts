import { type Static, type TLiteral, type TUnion, Type } from '@sinclair/typebox';
import { EVENT_STATUSES } from './event.js';

/**
 * The wire schema of an event (SPEC §2), defined once: it validates ingest, types the domain and
 * feeds the OpenAPI document.
 */

export const ACTION_PATTERN = '^[a-z0-9_]+(\\.[a-z0-9_]+){1,5}$';
export const ACTOR_TYPES = ['user', 'api_key', 'service', 'system'] as const;
export const AUTH_TYPES = ['session', 'jwt', 'api_key', 'sso', 'none'] as const;
export const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
] as const;

export const MAX_EVENTS_PER_REQUEST = 1000;
export const MAX_REQUEST_BYTES = 5 * 1024 * 1024;
export const MAX_METADATA_BYTES = 32 * 1024;
/** The request block's free-form maps (query, params, body, headers) together. */
export const MAX_REQUEST_DATA_BYTES = 32 * 1024;
export const MAX_FUTURE_MS = 5 * 60 * 1000;

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<TLiteral<T>[]>;
const text = (maxLength: number, minLength = 0) => Type.String({ minLength, maxLength });
const freeMap = Type.Record(Type.String({ maxLength: 256 }), Type.Unknown());

export const ActorSchema = Type.Object(
  {
    type: literals(ACTOR_TYPES),
    id: text(256, 1),
    name: Type.Optional(text(256)),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' })),
  },
  { additionalProperties: false },
);

export const ResourceSchema = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
    id: Type.Optional(text(256, 1)),
    name: Type.Optional(text(512)),
  },
  { additionalProperties: false },
);

export const ContextInputSchema = Type.Object(
  {
    ip: Type.Optional(Type.String({ maxLength: 64, anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] })),
    user_agent: Type.Optional(text(1024)),
    auth_type: Type.Optional(literals(AUTH_TYPES)),
  },
  { additionalProperties: false },
);

export const RequestInfoSchema = Type.Object(
  {
    method: literals(HTTP_METHODS),
    path: text(2048, 1),
    status_code: Type.Integer({ minimum: 100, maximum: 599 }),
    duration_ms: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400_000 })),
    api_key_last4: Type.Optional(text(8)),
    query: Type.Optional(freeMap),
    params: Type.Optional(freeMap),
    body: Type.Optional(Type.Unknown()),
    headers: Type.Optional(Type.Record(Type.String({ maxLength: 256 }), Type.Unknown())),
  },
  { additionalProperties: false },
);

export const EventInputSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' })),
    org: Type.Optional(text(64, 1)),
    action: Type.String({ minLength: 3, maxLength: 128, pattern: ACTION_PATTERN }),
    occurred_at: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    actor: ActorSchema,
    resource: Type.Optional(ResourceSchema),
    workspace: Type.Optional(text(128, 1)),
    status: Type.Optional(literals(EVENT_STATUSES)),
    description: Type.Optional(text(2048)),
    context: Type.Optional(ContextInputSchema),
    request: Type.Optional(RequestInfoSchema),
    metadata: Type.Optional(freeMap),
  },
  { additionalProperties: false, $id: 'EventInput' },
);

export const EventBatchSchema = Type.Object(
  { events: Type.Array(EventInputSchema, { minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST }) },
  { additionalProperties: false },
);

export type EventInput = Static<typeof EventInputSchema>;
export type Actor = Static<typeof ActorSchema>;
export type Resource = Static<typeof ResourceSchema>;
export type RequestInfo = Static<typeof RequestInfoSchema>;
