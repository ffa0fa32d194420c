import { hostname as osHostname } from 'node:os';
import type { DatadogSite } from '../../contracts/stream-kinds.js';
import { createDatadogTransport, DATADOG_REQUEST_LIMITS } from '../../delivery/datadog.js';
import { createS3Transport } from '../../delivery/s3.js';
import type { Transport } from '../../delivery/send-result.js';
import { createSplunkHecTransport } from '../../delivery/splunk-hec.js';
import { createSyslogTransport } from '../../delivery/syslog.js';
import { createWebhookTransport } from '../../delivery/webhook.js';
import type { StreamRecord } from '../../store/stream-store.js';

/**
 * The transport a stream's destination names (src/delivery), from its stored settings. HTTP
 * destinations send a request per batch as the stream's `batch` sets it; Datadog's intake takes
 * at most 1,000 entries and 5 MB a request, so it splits larger batches.
 */
export function transportFor(stream: Pick<StreamRecord, 'destination' | 'batch'>): Transport {
  const d = stream.destination as Record<string, unknown>;
  const perRequest = {
    maxRecordsPerRequest: stream.batch.max_events,
    maxRequestBytes: stream.batch.max_bytes,
  };
  const str = (key: string) => (typeof d[key] === 'string' ? (d[key] as string) : undefined);
  const opt = <K extends string>(key: K, value: unknown) => (value === undefined ? {} : { [key]: value });
  switch (d.type) {
    case 'webhook':
      return createWebhookTransport({
        url: str('url')!,
        secret: str('secret')!,
        ...opt('bearerToken', str('bearer_token')),
        ...perRequest,
      });
    case 'splunk_hec':
      return createSplunkHecTransport({
        url: str('url')!,
        token: str('token')!,
        ...opt('host', str('host')),
        ...opt('source', str('source')),
        ...opt('sourcetype', str('sourcetype')),
        ...opt('index', str('index')),
        ...perRequest,
      });
    case 'datadog':
      return createDatadogTransport({
        apiKey: str('api_key')!,
        ...opt('site', str('site') as DatadogSite | undefined),
        ...opt('baseUrl', str('base_url')),
        ...opt('service', str('service')),
        ...opt('ddsource', str('ddsource')),
        ...opt('hostname', str('hostname')),
        ...opt('tags', d.tags),
        maxRecordsPerRequest: Math.min(
          perRequest.maxRecordsPerRequest,
          DATADOG_REQUEST_LIMITS.maxRecordsPerRequest,
        ),
        maxRequestBytes: Math.min(perRequest.maxRequestBytes, DATADOG_REQUEST_LIMITS.maxRequestBytes),
      });
    case 'syslog':
      return createSyslogTransport({
        host: str('host')!,
        port: Number(d.port),
        hostname: str('hostname') ?? osHostname(),
        ...(d.tls ? { tls: { ...opt('ca', str('ca')), ...opt('servername', str('servername')) } } : {}),
        ...opt('enterpriseNumber', d.enterprise_number),
      });
    case 's3':
      return createS3Transport({
        bucket: str('bucket')!,
        region: str('region')!,
        accessKeyId: str('access_key_id')!,
        secretAccessKey: str('secret_access_key')!,
        ...opt('endpoint', str('endpoint')),
        ...opt('prefix', str('prefix')),
      });
    default:
      throw new Error(`unknown destination type ${String(d.type)}`);
  }
}
