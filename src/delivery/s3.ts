import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { AwsV4Signer } from 'aws4fetch';
import { httpSend } from './http-send.js';
import { lineBytes, ndjsonBytes, type OutboundRecord } from './record.js';
import { after, delivered, type SendResult, type Transport } from './send-result.js';

const gzipAsync = promisify(gzip);

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Config extends S3Credentials {
  bucket: string;
  region: string;
  /** An S3-compatible origin (MinIO, R2, Ceph...): objects are addressed path-style under it. */
  endpoint?: string;
  /** Folder of every key, without a trailing slash. */
  prefix?: string;
  timeoutMs?: number;
  /** Uncompressed bytes per object; a time window holding more is written as several objects. */
  maxObjectBytes?: number;
}

const DEFAULTS = { timeoutMs: 60_000, maxObjectBytes: 64 * 1024 * 1024 };

/**
 * The object name of a run of records: `prefix/org/YYYY/MM/DD/HH/<first seq>-<last seq>.ndjson.gz`,
 * the hour (UTC) being the first record's `received_at`. Seqs are zero-padded to 12 digits so a
 * listing returns an hour's objects in log order. The org is percent-encoded, so that it is one
 * path segment whatever it holds.
 */
export function s3ObjectKey(prefix: string | undefined, records: readonly OutboundRecord[]): string {
  const first = records[0]!;
  const last = records[records.length - 1]!;
  const hour = new Date(first.receivedAt).toISOString();
  const parts = [
    encodeURIComponent(first.org),
    hour.slice(0, 4),
    hour.slice(5, 7),
    hour.slice(8, 10),
    hour.slice(11, 13),
    `${pad(first.seq)}-${pad(last.seq)}.ndjson.gz`,
  ];
  return [...(prefix ? [prefix.replace(/^\/+|\/+$/g, '')] : []), ...parts].join('/');
}

function pad(seq: number): string {
  return String(seq).padStart(12, '0');
}

/** Consecutive runs of records in the same UTC hour of `received_at`, each within the size limit. */
export function objectRuns(records: readonly OutboundRecord[], maxObjectBytes: number): OutboundRecord[][] {
  const runs: OutboundRecord[][] = [];
  let run: OutboundRecord[] = [];
  let bytes = 0;
  let hour = Number.NaN;
  for (const record of records) {
    const recordHour = Math.floor(record.receivedAt / 3_600_000);
    const size = lineBytes(record);
    if (run.length > 0 && (recordHour !== hour || bytes + size > maxObjectBytes)) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(record);
    bytes += size;
    hour = recordHour;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** Each path segment percent-encoded as S3's canonical URI wants it (RFC 3986 unreserved kept). */
function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

export function s3ObjectUrl(config: Pick<S3Config, 'bucket' | 'region' | 'endpoint'>, key: string): string {
  if (config.endpoint) return `${config.endpoint.replace(/\/+$/, '')}/${config.bucket}/${encodeKey(key)}`;
  return `https://${config.bucket}.s3.${config.region}.amazonaws.com/${encodeKey(key)}`;
}

/**
 * Signs a request with AWS Signature Version 4 for S3, the payload signed by its SHA-256 (the
 * `x-amz-content-sha256` header). `datetime` (`YYYYMMDDTHHMMSSZ`) is for reference vectors.
 */
export async function signS3Request(
  request: { method: string; url: string; headers: Record<string, string>; payloadSha256: string },
  credentials: S3Credentials & { region: string },
  datetime?: string,
): Promise<Record<string, string>> {
  const signer = new AwsV4Signer({
    method: request.method,
    url: request.url,
    headers: { ...request.headers, 'x-amz-content-sha256': request.payloadSha256 },
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    service: 's3',
    region: credentials.region,
    datetime,
    allHeaders: true,
  });
  const signed = await signer.sign();
  const headers: Record<string, string> = {};
  signed.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

/**
 * Amazon S3 or an S3-compatible store: each batch becomes one gzip NDJSON object per hour it
 * spans. Writing the same records again writes the same key with the same bytes, so a retried
 * upload replaces its earlier copy instead of adding a duplicate.
 */
export function createS3Transport(config: S3Config): Transport {
  const settings = { ...DEFAULTS, ...config };
  async function put(run: OutboundRecord[]): Promise<SendResult> {
    const key = s3ObjectKey(settings.prefix, run);
    const body = await gzipAsync(ndjsonBytes(run));
    const url = s3ObjectUrl(settings, key);
    const headers = await signS3Request(
      {
        method: 'PUT',
        url,
        headers: { 'content-type': 'application/gzip' },
        payloadSha256: createHash('sha256').update(body).digest('hex'),
      },
      settings,
    );
    return httpSend({ url, method: 'PUT', headers, body, timeoutMs: settings.timeoutMs }, run.length);
  }
  return {
    async send(records) {
      let done = 0;
      for (const run of objectRuns(records, settings.maxObjectBytes)) {
        const result = await put(run);
        if (result.outcome !== 'delivered') return after(done, result);
        done += run.length;
      }
      return delivered(done);
    },
    async close() {},
  };
}
