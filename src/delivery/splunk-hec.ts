import { requestParts, sendInParts } from './batches.js';
import { httpSend } from './http-send.js';
import type { OutboundRecord } from './record.js';
import type { Transport } from './send-result.js';

export interface SplunkHecConfig {
  /** The HEC base URL, e.g. `https://splunk.example.com:8088`; `/services/collector/event` is appended. */
  url: string;
  token: string;
  host?: string;
  source?: string;
  sourcetype?: string;
  index?: string;
  timeoutMs?: number;
  maxRequestBytes?: number;
  maxRecordsPerRequest?: number;
}

const DEFAULTS = { timeoutMs: 10_000, maxRequestBytes: 1024 * 1024, maxRecordsPerRequest: 500 };

export function hecEventUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/services/collector/event`;
}

/** Epoch seconds with milliseconds, written exactly (no binary fraction): 1762000000.123. */
export function epochSeconds(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${seconds}.${String(ms - seconds * 1000).padStart(3, '0')}`;
}

/**
 * One HEC event envelope. A JSON record goes in as the `event` object itself (Splunk indexes
 * its fields); a CEF line as a string. `time` is when the event occurred.
 */
export function hecEnvelope(record: OutboundRecord, config: Omit<SplunkHecConfig, 'url' | 'token'>): string {
  let out = `{"time":${epochSeconds(record.occurredAt)}`;
  for (const key of ['host', 'source', 'sourcetype', 'index'] as const) {
    const value = config[key];
    if (value !== undefined) out += `,"${key}":${JSON.stringify(value)}`;
  }
  return `${out},"event":${record.json ? record.text : JSON.stringify(record.text)}}`;
}

/** Splunk HTTP Event Collector: envelopes concatenated, one request per part of the batch. */
export function createSplunkHecTransport(config: SplunkHecConfig): Transport {
  const settings = { ...DEFAULTS, ...config };
  const url = hecEventUrl(settings.url);
  return {
    async send(records) {
      const envelopes = new Map(records.map((record) => [record, hecEnvelope(record, settings)]));
      const parts = requestParts(
        records,
        { maxRecords: settings.maxRecordsPerRequest, maxBytes: settings.maxRequestBytes },
        (record) => Buffer.byteLength(envelopes.get(record)!),
      );
      return sendInParts(parts, (part) =>
        httpSend(
          {
            url,
            headers: { authorization: `Splunk ${settings.token}`, 'content-type': 'application/json' },
            body: part.map((record) => envelopes.get(record)!).join('\n'),
            timeoutMs: settings.timeoutMs,
          },
          part.length,
        ),
      );
    },
    async close() {},
  };
}
