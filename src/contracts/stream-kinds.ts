/**
 * The closed sets streams are described with. Plain values, apart from the TypeBox schemas in
 * streams.ts, so that the Datadog transport (src/delivery) and the dashboard can use them
 * without the schema library.
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
