import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import S3rver from '@20minutes/s3rver';
import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundRecord } from '../../src/delivery/record.js';
import {
  createS3Transport,
  objectRuns,
  s3ObjectKey,
  s3ObjectUrl,
  signS3Request,
} from '../../src/delivery/s3.js';
import { HttpReceiver } from '../helpers/receivers/http-receiver.js';
import { tempDir } from '../helpers/temp.js';
import { records } from './delivery-helpers.js';

/** Records whose received_at crosses an hour boundary after the third. */
function acrossAnHour(): OutboundRecord[] {
  const start = Date.parse('2026-11-01T10:59:58.000Z');
  return records(6).map((record, i) => ({ ...record, receivedAt: start + i * 1000 }));
}

describe('S3 object layout', () => {
  it('names objects by org, UTC hour of received_at and seq range', () => {
    const batch = acrossAnHour();
    expect(s3ObjectKey('audit/trailmark/', batch.slice(0, 2))).toBe(
      'audit/trailmark/org_a/2026/11/01/10/000000000001-000000000002.ndjson.gz',
    );
    expect(s3ObjectKey(undefined, [{ ...batch[0]!, org: 'a/b c' }])).toBe(
      'a%2Fb%20c/2026/11/01/10/000000000001-000000000001.ndjson.gz',
    );
  });

  it('splits a batch at hour boundaries and at the size limit, keeping order', () => {
    const batch = acrossAnHour();
    expect(objectRuns(batch, 1 << 20).map((run) => run.map((r) => r.seq))).toEqual([
      [1, 2],
      [3, 4, 5, 6],
    ]);
    const even = batch.map((record) => ({ ...record, text: 'x'.repeat(100) }));
    expect(objectRuns(even, 202).map((run) => run.map((r) => r.seq))).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(objectRuns(even, 50).map((run) => run.length)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('addresses AWS virtual-hosted style and other stores path-style', () => {
    expect(s3ObjectUrl({ bucket: 'logs', region: 'eu-west-1' }, 'p/a b(1).gz')).toBe(
      'https://logs.s3.eu-west-1.amazonaws.com/p/a%20b%281%29.gz',
    );
    expect(s3ObjectUrl({ bucket: 'logs', region: 'x', endpoint: 'http://127.0.0.1:9000/' }, 'k')).toBe(
      'http://127.0.0.1:9000/logs/k',
    );
  });
});

describe('SigV4 signing', () => {
  it("reproduces AWS's published S3 example (GET Object, Signature Version 4 documentation)", async () => {
    // The "GET Object" example of AWS's "Signature Calculations for the Authorization Header" page.
    const headers = await signS3Request(
      {
        method: 'GET',
        url: 'https://examplebucket.s3.amazonaws.com/test.txt',
        headers: { range: 'bytes=0-9' },
        payloadSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      },
      {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        region: 'us-east-1',
      },
      '20130524T000000Z',
    );
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });
});

describe('S3 transport against a local S3-compatible server (s3rver)', () => {
  const dir = tempDir('trailmark-s3-');
  let server: S3rver;
  let endpoint = '';
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = new AwsClient({ ...credentials, service: 's3', region: 'us-east-1' });

  beforeAll(async () => {
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: dir.path,
      configureBuckets: [{ name: 'audit-logs' }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await server.close();
    dir.remove();
  });

  async function keys(): Promise<string[]> {
    const listing = await (await client.fetch(`${endpoint}/audit-logs?list-type=2`)).text();
    return [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  }

  it('writes gzip NDJSON objects per hour that hold every record in order', async () => {
    const transport = createS3Transport({
      ...credentials,
      bucket: 'audit-logs',
      region: 'us-east-1',
      endpoint,
      prefix: 'tm',
    });
    const batch = acrossAnHour();
    expect(await transport.send(batch)).toEqual({ outcome: 'delivered', delivered: 6 });
    // Sent again (a retry): the same keys are rewritten, nothing is added.
    expect(await transport.send(batch)).toEqual({ outcome: 'delivered', delivered: 6 });
    const written = await keys();
    expect(written).toEqual([
      'tm/org_a/2026/11/01/10/000000000001-000000000002.ndjson.gz',
      'tm/org_a/2026/11/01/11/000000000003-000000000006.ndjson.gz',
    ]);
    const lines: string[] = [];
    for (const key of written) {
      const response = await client.fetch(
        s3ObjectUrl({ bucket: 'audit-logs', region: 'us-east-1', endpoint }, key),
      );
      expect(response.headers.get('content-type')).toBe('application/gzip');
      const text = gunzipSync(Buffer.from(await response.arrayBuffer())).toString('utf8');
      lines.push(...text.slice(0, -1).split('\n'));
    }
    expect(lines).toEqual(batch.map((r) => r.text));
  });

  it('a wrong secret is refused by the server and is permanent', async () => {
    const transport = createS3Transport({
      accessKeyId: 'S3RVER',
      secretAccessKey: 'wrong',
      bucket: 'audit-logs',
      region: 'us-east-1',
      endpoint,
    });
    const result = await transport.send(records(2));
    expect(result).toMatchObject({ outcome: 'permanent', status: 403 });
    expect(result.outcome === 'permanent' && result.reason).toContain('SignatureDoesNotMatch');
  });
});

describe('S3 request shape and faults, on a loopback HTTP server', () => {
  it('signs the payload hash, and a 503 SlowDown is retryable after the objects already written', async () => {
    const receiver = await new HttpReceiver().start();
    try {
      const transport = createS3Transport({
        accessKeyId: 'AK',
        secretAccessKey: 'SK',
        bucket: 'b',
        region: 'eu-central-1',
        endpoint: receiver.url,
      });
      receiver.failRequest(2, 503, '<Error><Code>SlowDown</Code></Error>');
      const result = await transport.send(acrossAnHour());
      expect(result).toMatchObject({ outcome: 'retryable', status: 503, delivered: 2 });
      const [request] = receiver.accepted;
      expect(request!.method).toBe('PUT');
      expect(request!.path).toBe('/b/org_a/2026/11/01/10/000000000001-000000000002.ndjson.gz');
      expect(request!.headers['x-amz-content-sha256']).toBe(
        createHash('sha256').update(request!.body).digest('hex'),
      );
      expect(request!.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AK\/\d{8}\/eu-central-1\/s3\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
      );
    } finally {
      await receiver.close();
    }
  });
});
