import type { DatadogSite } from '../contracts/stream-kinds.js';
import { requestParts, sendInParts } from './batches.js';
import { httpSend } from './http-send.js';
import type { OutboundRecord } from './record.js';
import type { Transport } from './send-result.js';

// The sites are listed with the streams' API (the `site` a Datadog destination takes), and
// exported here too, with the transport that sends to them.
export { DATADOG_SITES, type DatadogSite } from '../contracts/stream-kinds.js';

/** The logs intake of a Datadog site. */
export function datadogIntakeUrl(site: DatadogSite): string {
  return `https://http-intake.logs.${site}/api/v2/logs`;
}

export interface DatadogConfig {
  apiKey: string;
  site?: DatadogSite;
  /** Replaces the site's intake origin (tests, proxies): `/api/v2/logs` is appended. */
  baseUrl?: string;
  ddsource?: string;
  service?: string;
  hostname?: string;
  /** `key:value` tags, joined with commas into `ddtags`. */
  tags?: string[];
  timeoutMs?: number;
  maxRequestBytes?: number;
  maxRecordsPerRequest?: number;
}

/** The intake's documented limits: 5 MB uncompressed and 1,000 entries per request. */
export const DATADOG_REQUEST_LIMITS = { maxRequestBytes: 5_000_000, maxRecordsPerRequest: 1000 };
const DEFAULTS = { timeoutMs: 10_000, ...DATADOG_REQUEST_LIMITS };

export function datadogEntry(record: OutboundRecord, config: DatadogConfig): string {
  return JSON.stringify({
    ddsource: config.ddsource ?? 'trailmark',
    service: config.service ?? 'trailmark',
    hostname: config.hostname,
    ddtags: config.tags?.length ? config.tags.join(',') : undefined,
    message: record.text,
  });
}

/** Datadog logs intake (v2): a JSON array of entries per request, `DD-API-KEY` header. */
export function createDatadogTransport(config: DatadogConfig): Transport {
  const settings = { ...DEFAULTS, ...config };
  const url = config.baseUrl
    ? `${config.baseUrl.replace(/\/+$/, '')}/api/v2/logs`
    : datadogIntakeUrl(config.site ?? 'datadoghq.com');
  return {
    async send(records) {
      const entries = new Map(records.map((record) => [record, datadogEntry(record, settings)]));
      const parts = requestParts(
        records,
        { maxRecords: settings.maxRecordsPerRequest, maxBytes: settings.maxRequestBytes - 2 },
        (record) => Buffer.byteLength(entries.get(record)!) + 1,
      );
      return sendInParts(parts, (part) =>
        httpSend(
          {
            url,
            headers: { 'dd-api-key': settings.apiKey, 'content-type': 'application/json' },
            body: `[${part.map((record) => entries.get(record)!).join(',')}]`,
            timeoutMs: settings.timeoutMs,
          },
          part.length,
        ),
      );
    },
    async close() {},
  };
}
