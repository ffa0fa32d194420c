import { afterEach, describe, expect, it } from 'vitest';
import type { OutboundRecord } from '../../src/delivery/record.js';
import type { Transport } from '../../src/delivery/send-result.js';
import { createSyslogTransport, type SyslogConfig } from '../../src/delivery/syslog.js';
import {
  headerField,
  octetCountedFrame,
  sdParamValue,
  syslogMessage,
} from '../../src/delivery/syslog-message.js';
import { parseRfc5424, SyslogReceiver, splitOctetCounted } from '../helpers/receivers/syslog-receiver.js';
import { type SelfSignedCert, selfSignedCert } from '../helpers/receivers/tls-cert.js';
import { deliverWithRetries, expectEveryRecordInOrder, records } from './delivery-helpers.js';
import { HOSTILE_STRINGS } from './sample-events.js';

const receivers: SyslogReceiver[] = [];
const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(tls?: SelfSignedCert): Promise<SyslogReceiver> {
  const r = await new SyslogReceiver(tls).start();
  receivers.push(r);
  return r;
}

function transport(config: Partial<SyslogConfig> & Pick<SyslogConfig, 'port'>): Transport {
  const t = createSyslogTransport({ host: '127.0.0.1', hostname: 'trailmark-1', ...config });
  transports.push(t);
  return t;
}

function idsOf(r: SyslogReceiver): string[] {
  return r.messages.map((m) => m.structuredData[0]!.params.id!);
}

/** Records of about 4 KB each: enough of them outgrow every socket buffer on the way. */
function bigRecords(count: number): OutboundRecord[] {
  const at = Date.parse('2026-11-01T10:00:00.000Z');
  return Array.from({ length: count }, (_, i) => ({
    id: `evt_big_${i}`,
    org: 'org_a',
    seq: i + 1,
    action: 'document.updated',
    status: 'success' as const,
    occurredAt: at + i,
    receivedAt: at + i,
    text: JSON.stringify({ i, pad: 'x'.repeat(4000) }),
    json: true,
  }));
}

describe('syslog messages', () => {
  const [record] = records(1, 'cef');

  it('writes RFC 5424 with the event under the private SD-ID and the formatted event as a UTF-8 MSG', () => {
    const message = syslogMessage(record!, { hostname: 'trailmark-1', procId: '42' });
    const parsed = parseRfc5424(Buffer.from(message));
    expect(parsed).toMatchObject({
      facility: 13,
      severity: 4,
      version: 1,
      timestamp: new Date(record!.occurredAt).toISOString(),
      hostname: 'trailmark-1',
      appName: 'trailmark',
      procId: '42',
      msgId: 'user.login',
      bom: true,
      msg: record!.text,
    });
    expect(parsed.structuredData).toEqual([
      {
        id: 'trailmark@32473',
        params: { id: record!.id, org: 'org_a', seq: '1', action: 'user.login', status: 'failure' },
      },
    ]);
    expect(message).toMatch(/^<108>1 /);
  });

  it('escapes ", \\ and ] in SD-PARAM values, and round-trips hostile values', () => {
    expect(sdParamValue('a"b\\c]d[e')).toBe('a\\"b\\\\c\\]d[e');
    for (const text of HOSTILE_STRINGS) {
      const hostile = { ...record!, org: text, text };
      const parsed = parseRfc5424(
        Buffer.from(syslogMessage(hostile, { hostname: 'h', enterpriseNumber: 99999 })),
      );
      expect(parsed.structuredData[0]).toMatchObject({ id: 'trailmark@99999', params: { org: text } });
      expect(parsed.msg).toBe(text);
    }
  });

  it('keeps header fields to printable ASCII and their RFC lengths', () => {
    expect(headerField('', 48)).toBe('-');
    expect(headerField(undefined, 48)).toBe('-');
    expect(headerField('höst name', 255)).toBe('h_st_name');
    const long = { ...record!, action: `a${'.segment_name'.repeat(9)}` };
    const parsed = parseRfc5424(
      Buffer.from(
        syslogMessage(long, {
          hostname: 'h'.repeat(300),
          appName: 'app'.repeat(20),
          procId: 'p'.repeat(200),
        }),
      ),
    );
    expect(parsed.hostname).toHaveLength(255);
    expect(parsed.appName).toHaveLength(48);
    expect(parsed.procId).toHaveLength(128);
    expect(parsed.msgId).toBe(long.action.slice(0, 32));
    expect(parsed.structuredData[0]!.params.action).toBe(long.action);
  });

  it('frames by octet count, in bytes', () => {
    const frames = Buffer.concat([
      octetCountedFrame('<14>1 - - - - - - é'),
      octetCountedFrame('<14>1 - - - - - -'),
    ]);
    expect('<14>1 - - - - - - é'.length).toBe(19);
    expect(frames.subarray(0, 3).toString()).toBe('20 ');
    const { frames: split, rest } = splitOctetCounted(Buffer.concat([frames, Buffer.from('12 <14')]));
    expect(split.map((f) => f.toString())).toEqual(['<14>1 - - - - - - é', '<14>1 - - - - - -']);
    expect(rest.toString()).toBe('12 <14');
  });

  it('refuses a facility or enterprise number out of range', () => {
    expect(() => syslogMessage(record!, { hostname: 'h', facility: 24 })).toThrow(/facility/);
    expect(() => syslogMessage(record!, { hostname: 'h', enterpriseNumber: 0 })).toThrow(/enterprise/);
  });
});

describe('syslog transport over TCP', () => {
  it('delivers every record in order over one connection', async () => {
    const r = await receiver();
    const t = transport({ port: r.port });
    const batch = records(300, 'ocsf');
    expect(await t.send(batch.slice(0, 150))).toEqual({ outcome: 'delivered', delivered: 150 });
    expect(await t.send(batch.slice(150))).toEqual({ outcome: 'delivered', delivered: 150 });
    await r.waitFor(() => r.messages.length === 300);
    expect(r.errors).toEqual([]);
    expect(r.connections).toBe(1);
    expect(idsOf(r)).toEqual(batch.map((x) => x.id));
    expect(r.messages.map((m) => m.msg)).toEqual(batch.map((x) => x.text));
    expect(r.messages.every((m) => m.bom && m.facility === 13)).toBe(true);
    expect(r.messages.map((m) => m.severity)).toEqual(batch.map((x) => (x.status === 'failure' ? 4 : 6)));
  });

  it('reconnects after the receiver drops the connection between batches', async () => {
    const r = await receiver();
    const t = transport({ port: r.port });
    const batch = records(40);
    expect(await t.send(batch.slice(0, 20))).toMatchObject({ outcome: 'delivered' });
    await r.waitFor(() => r.messages.length === 20);
    r.dropConnections();
    await deliverWithRetries(t, batch.slice(20));
    await r.waitFor(() => r.messages.length >= 40);
    expect(r.connections).toBe(2);
    expectEveryRecordInOrder(idsOf(r), batch);
  });

  it('a receiver that is down is retryable, and delivery resumes when it is back', async () => {
    const r = await receiver();
    const t = transport({ port: r.port, connectTimeoutMs: 2_000 });
    await r.down();
    const batch = records(10);
    const result = await t.send(batch);
    expect(result).toMatchObject({ outcome: 'retryable', delivered: 0 });
    expect(result.outcome === 'retryable' && result.reason).toContain('ECONNREFUSED');
    await r.up();
    expect(await t.send(batch)).toEqual({ outcome: 'delivered', delivered: 10 });
    await r.waitFor(() => r.messages.length === 10);
    expect(idsOf(r)).toEqual(batch.map((x) => x.id));
  });

  it('a receiver that stops reading makes the batch time out, retryable; the retry delivers it', async () => {
    const r = await receiver();
    r.pause();
    const t = transport({ port: r.port, writeTimeoutMs: 300 });
    const batch = bigRecords(4000);
    const result = await t.send(batch);
    expect(result).toMatchObject({ outcome: 'retryable', delivered: 0 });
    expect(result.outcome === 'retryable' && result.reason).toContain('within 300 ms');
    r.resume();
    const retried = await createSyslogTransport({ host: '127.0.0.1', port: r.port, hostname: 'h' });
    transports.push(retried);
    expect(await retried.send(batch)).toEqual({ outcome: 'delivered', delivered: 4000 });
    await r.waitFor(() => idsOf(r).at(-1) === batch.at(-1)!.id && r.messages.length >= 4000, 20_000);
    expectEveryRecordInOrder(idsOf(r), batch);
  });

  it('a connection closed mid-batch is retryable; the retry delivers every record', async () => {
    const r = await receiver();
    r.dropAfterFrames(100);
    const t = transport({ port: r.port });
    const batch = bigRecords(4000);
    const result = await t.send(batch);
    expect(result).toMatchObject({ outcome: 'retryable', delivered: 0 });
    expect(r.messages.length).toBeGreaterThanOrEqual(100);
    expect(r.messages.length).toBeLessThan(4000);
    await deliverWithRetries(t, batch);
    await r.waitFor(() => idsOf(r).at(-1) === batch.at(-1)!.id, 20_000);
    expect(r.errors).toEqual([]);
    expectEveryRecordInOrder(idsOf(r), batch);
  });
});

describe('syslog transport over TLS', () => {
  const cert = selfSignedCert();

  it('delivers to a receiver whose certificate the CA option trusts', async () => {
    const r = await receiver(cert);
    const t = transport({ port: r.port, tls: { ca: cert.cert } });
    const batch = records(100, 'cef');
    expect(await t.send(batch)).toEqual({ outcome: 'delivered', delivered: 100 });
    await r.waitFor(() => r.messages.length === 100);
    expect(r.messages.map((m) => m.msg)).toEqual(batch.map((x) => x.text));
    const byName = transport({ host: 'localhost', port: r.port, tls: { ca: cert.cert } });
    expect(await byName.send(batch.slice(0, 1))).toMatchObject({ outcome: 'delivered' });
  });

  it('an untrusted certificate or a wrong server name is a permanent failure', async () => {
    const r = await receiver(cert);
    const untrusted = await transport({ port: r.port, tls: {} }).send(records(1));
    expect(untrusted).toMatchObject({ outcome: 'permanent' });
    expect(untrusted.outcome === 'permanent' && untrusted.reason).toMatch(/self.signed/i);
    const wrongName = await transport({
      port: r.port,
      tls: { ca: cert.cert, servername: 'syslog.example.com' },
    }).send(records(1));
    expect(wrongName).toMatchObject({ outcome: 'permanent' });
    expect(wrongName.outcome === 'permanent' && wrongName.reason).toMatch(/altnames|syslog\.example\.com/i);
    expect(r.messages).toHaveLength(0);
  });
});
