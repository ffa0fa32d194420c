import { type Static, Type } from '@sinclair/typebox';
import { NullableString, StringEnum } from './schema-helpers.js';
import {
  DATADOG_SITES,
  STREAM_DESTINATION_TYPES,
  STREAM_FORMAT_NAMES,
  STREAM_KINDS,
} from './stream-kinds.js';

export * from './stream-kinds.js';

/**
 * Streams (SPEC §8, docs/streams.md): an org's destinations that receive every new event in
 * order. What the API takes and answers, shared with the dashboard. Secrets (signing secret,
 * tokens, API keys) are write-only: stored, never answered; `secrets_set` names those stored.
 */

const Str = (max: number, description?: string) =>
  Type.String({
    minLength: 1,
    maxLength: max,
    pattern: '^[^\\u0000]*$',
    ...(description ? { description } : {}),
  });
const Url = Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://[^\\s\\u0000]+$' });

/** A destination as written: every member of its type; secrets may be left out on update (kept). */
export const StreamDestinationInputSchema = Type.Object(
  {
    type: StringEnum(STREAM_DESTINATION_TYPES),
    url: Type.Optional(Url),
    secret: Type.Optional(Str(256, 'webhook: whsec_… signing secret; generated when absent')),
    bearer_token: Type.Optional(Str(4096, 'webhook: sent as Authorization: Bearer')),
    token: Type.Optional(Str(256, 'splunk_hec: the HEC token')),
    host: Type.Optional(Str(255, 'splunk_hec: host field; syslog: receiver host')),
    source: Type.Optional(Str(255)),
    sourcetype: Type.Optional(Str(255)),
    index: Type.Optional(Str(255)),
    api_key: Type.Optional(Str(256, 'datadog: DD-API-KEY')),
    site: Type.Optional(StringEnum(DATADOG_SITES)),
    base_url: Type.Optional(Url),
    service: Type.Optional(Str(255)),
    ddsource: Type.Optional(Str(255)),
    hostname: Type.Optional(Str(255, 'datadog and syslog: the hostname reported')),
    tags: Type.Optional(Type.Array(Str(200), { maxItems: 50 })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    tls: Type.Optional(Type.Boolean()),
    ca: Type.Optional(Str(65536, 'syslog over TLS: PEM certificates to trust')),
    servername: Type.Optional(Str(255)),
    enterprise_number: Type.Optional(Type.Integer({ minimum: 1, maximum: 4294967295 })),
    bucket: Type.Optional(Str(255)),
    region: Type.Optional(Str(64)),
    endpoint: Type.Optional(Url),
    prefix: Type.Optional(Str(512)),
    access_key_id: Type.Optional(Str(256)),
    secret_access_key: Type.Optional(Str(256)),
  },
  { additionalProperties: false },
);
export type StreamDestinationInput = Static<typeof StreamDestinationInputSchema>;

/** A destination as answered: the same without its secrets. */
export const StreamDestinationViewSchema = Type.Omit(StreamDestinationInputSchema, [
  'secret',
  'bearer_token',
  'token',
  'api_key',
  'secret_access_key',
]);
export type StreamDestinationView = Static<typeof StreamDestinationViewSchema>;

export const StreamFilterSchema = Type.Object(
  {
    actions: Type.Array(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^(\\*\\.)?[A-Za-z0-9_.:-]*\\*?$',
        description: 'an action, a prefix (api_key.*) or a suffix (*.login_failed)',
      }),
      { maxItems: 50, description: 'none: every action' },
    ),
    kinds: Type.Array(StringEnum(STREAM_KINDS), { maxItems: 2, description: 'none: both kinds' }),
  },
  { additionalProperties: false },
);
export type StreamFilter = Static<typeof StreamFilterSchema>;

export const StreamBatchSchema = Type.Object(
  {
    max_events: Type.Integer({ minimum: 1, maximum: 5000 }),
    max_bytes: Type.Integer({ minimum: 1024, maximum: 10 * 1024 * 1024 }),
    max_wait_ms: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      description: 'a batch not full waits this long',
    }),
  },
  { additionalProperties: false },
);
export type StreamBatch = Static<typeof StreamBatchSchema>;
export const DEFAULT_STREAM_BATCH: StreamBatch = {
  max_events: 500,
  max_bytes: 1024 * 1024,
  max_wait_ms: 1000,
};

export const StreamDeliverySchema = Type.Object({
  lag_events: Type.Integer(),
  lag_seconds: Type.Number(),
  /** The last seq delivered (or skipped by the filter). */
  cursor: Type.Integer(),
  head: Type.Integer(),
  last_success_at: NullableString,
  last_error: NullableString,
  last_error_at: NullableString,
  /** Since when it has failed without a success; after 24 h the stream pauses. */
  failing_since: NullableString,
});
export type StreamDelivery = Static<typeof StreamDeliverySchema>;

export const StreamSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  format: StringEnum(STREAM_FORMAT_NAMES),
  destination: StreamDestinationViewSchema,
  secrets_set: Type.Array(Type.String()),
  filter: StreamFilterSchema,
  batch: StreamBatchSchema,
  status: StringEnum(['active', 'paused'] as const),
  paused_reason: NullableString,
  created_at: Type.String(),
  updated_at: Type.String(),
  delivery: StreamDeliverySchema,
});
export type Stream = Static<typeof StreamSchema>;

export const StreamListSchema = Type.Object({ data: Type.Array(StreamSchema) });
export type StreamList = Static<typeof StreamListSchema>;

/** Created: the stream, and the webhook signing secret when Trailmark generated it (shown once). */
export const CreatedStreamSchema = Type.Object({
  ...StreamSchema.properties,
  generated_secret: Type.Optional(Type.String()),
});
export type CreatedStream = Static<typeof CreatedStreamSchema>;

export const StreamTestResultSchema = Type.Object({
  outcome: StringEnum(['delivered', 'retryable', 'permanent'] as const),
  reason: Type.Optional(Type.String()),
  status: Type.Optional(Type.Integer()),
});
export type StreamTestResult = Static<typeof StreamTestResultSchema>;
