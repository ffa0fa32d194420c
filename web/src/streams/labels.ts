import type { Stream, StreamDestinationType, StreamFormatId } from '../api/types.js';

/** How the dashboard names destinations and formats. */

export const DESTINATION_LABELS: Record<StreamDestinationType, string> = {
  webhook: 'HTTPS webhook',
  splunk_hec: 'Splunk HEC',
  datadog: 'Datadog logs',
  syslog: 'Syslog (RFC 5424)',
  s3: 'S3-compatible storage',
};

export const FORMAT_LABELS: Record<StreamFormatId, string> = {
  native: 'Native JSON (verifiable)',
  ocsf: 'OCSF 1.x',
  cef: 'CEF',
};

/** Where a stream sends, in a few words: the URL, the syslog receiver, the bucket or the Datadog site. */
export function destinationTarget(stream: Stream): string {
  const d = stream.destination;
  switch (d.type) {
    case 'syslog':
      return `${d.tls ? 'tls' : 'tcp'}://${d.host}:${d.port}`;
    case 's3':
      return `s3://${d.bucket}/${d.prefix ?? ''}`;
    case 'datadog':
      return d.base_url ?? d.site ?? 'datadoghq.com';
    default:
      return d.url ?? '';
  }
}

/** "12 events, 3 s behind", or "Up to date". */
export function lagText(stream: Stream): string {
  const { lag_events: events, lag_seconds: seconds } = stream.delivery;
  if (events === 0) return 'Up to date';
  const behind = seconds < 60 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
  return `${events.toLocaleString('en')} event${events === 1 ? '' : 's'}, ${behind} behind`;
}
