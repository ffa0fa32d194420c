/**
 * The closed sets streams are described with. Plain values, apart from the TypeBox schemas in
 * streams.ts, so that the Datadog transport (src/delivery) and the dashboard's forms can use
 * them without the schema library.
 */

export const STREAM_DESTINATION_TYPES = ['webhook', 'splunk_hec', 'datadog', 'syslog', 's3'] as const;
export type StreamDestinationType = (typeof STREAM_DESTINATION_TYPES)[number];
export const STREAM_FORMAT_NAMES = ['native', 'ocsf', 'cef'] as const;
export type StreamFormatId = (typeof STREAM_FORMAT_NAMES)[number];
export const STREAM_KINDS = ['audit', 'request'] as const;

/** Datadog sites (their `site` parameter), each with a logs intake host of its own. */
export const DATADOG_SITES = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ddog-gov.com',
] as const;
export type DatadogSite = (typeof DATADOG_SITES)[number];

/** The write-only members of each destination type. */
export const STREAM_SECRET_FIELDS: Record<StreamDestinationType, readonly string[]> = {
  webhook: ['secret', 'bearer_token'],
  splunk_hec: ['token'],
  datadog: ['api_key'],
  syslog: [],
  s3: ['secret_access_key'],
};
/** The settings each destination type cannot do without. */
export const STREAM_REQUIRED_SETTINGS: Record<StreamDestinationType, readonly string[]> = {
  webhook: ['url'],
  splunk_hec: ['url'],
  datadog: [],
  syslog: ['host', 'port'],
  s3: ['bucket', 'region', 'access_key_id'],
};
/** Secrets a destination cannot work without (the webhook's signing secret is generated when absent). */
export const STREAM_REQUIRED_SECRETS: Record<StreamDestinationType, readonly string[]> = {
  webhook: [],
  splunk_hec: ['token'],
  datadog: ['api_key'],
  syslog: [],
  s3: ['secret_access_key'],
};
