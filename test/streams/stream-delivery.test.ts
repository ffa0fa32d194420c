import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../src/delivery/standard-webhooks.js';
import { eventHash } from '../../src/domain/chain.js';
import type { StoredEvent } from '../../src/domain/event.js';
import { HecReceiver } from '../helpers/receivers/hec-receiver.js';
import { SyslogReceiver } from '../helpers/receivers/syslog-receiver.js';
import { selfSignedCert } from '../helpers/receivers/tls-cert.js';
import { WebhookReceiver } from '../helpers/receivers/webhook-receiver.js';
import type { TestServer } from '../helpers/test-server.js';
import { headSeq, SERVER_BACKENDS } from '../http/support.js';
import { createStream, expectEveryEventInOrder, getStream, ingestMany, until } from './stream-support.js';

/**
 * Streams end to end: created through the API, fed by ingest through the API, delivered to real
 * receivers on 127.0.0.1. Each receives every event from the stream's creation on, in seq order.
 */

const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as { seq: number; id: string });

for (const backend of SERVER_BACKENDS) {
  describe(`stream delivery on ${backend.name}`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await backend.start();
    });
    afterAll(async () => {
      await t.close();
    });

    it('a signed webhook receives every event in seq order, and the stream shows its last success', async () => {
      const org = await t.createOrg();
      const secret = generateWebhookSecret();
      const receiver = await new WebhookReceiver(secret, { bearerToken: 'bt' }).start();
      try {
        const from = (await headSeq(t, org.readKey)) + 1;
        const stream = await createStream(t, org, {
          name: 'webhook',
          format: 'native',
          destination: { type: 'webhook', url: receiver.url, secret, bearer_token: 'bt' },
        });
        await ingestMany(t, org, 240);
        const head = await headSeq(t, org.readKey);
        await until(() => parsed(receiver.lines).some((e) => e.seq === head));
        await expectEveryEventInOrder(t, org, parsed(receiver.lines), from);
        // Native lines are the stored events whole: each re-hashes to its hash and links to the last.
        const events = receiver.lines.map((line) => JSON.parse(line) as StoredEvent);
        for (const [i, event] of events.entries()) {
          expect(eventHash(event)).toBe(event.hash);
          if (i > 0) expect(event.prev_hash).toBe(events[i - 1]!.hash);
        }
        await until(async () => (await getStream(t, org, stream.id)).delivery.lag_events === 0);
        const status = await getStream(t, org, stream.id);
        expect(status.delivery).toMatchObject({ lag_events: 0, cursor: head, head, last_error: null });
        expect(status.delivery.last_success_at).not.toBeNull();
      } finally {
        await receiver.close();
      }
    });

    it('a Splunk HEC look-alike receives every event with its token and envelope', async () => {
      const org = await t.createOrg();
      const receiver = await new HecReceiver('hec-token').start();
      try {
        const from = (await headSeq(t, org.readKey)) + 1;
        await createStream(t, org, {
          name: 'hec',
          format: 'ocsf',
          destination: {
            type: 'splunk_hec',
            url: receiver.url,
            token: 'hec-token',
            sourcetype: 'trailmark:ocsf',
          },
        });
        await ingestMany(t, org, 120);
        const head = await headSeq(t, org.readKey);
        const delivered = () =>
          receiver.envelopes.map((e) => {
            const ocsf = e.event as { metadata: { uid: string; sequence: number } };
            return { seq: ocsf.metadata.sequence, id: ocsf.metadata.uid };
          });
        await until(() => delivered().some((e) => e.seq === head));
        expect(receiver.envelopes.every((e) => e.sourcetype === 'trailmark:ocsf')).toBe(true);
        await expectEveryEventInOrder(t, org, delivered(), from);
      } finally {
        await receiver.close();
      }
    });

    for (const tls of [false, true]) {
      it(`a syslog receiver over ${tls ? 'TLS' : 'TCP'} receives every event as RFC 5424 frames`, async () => {
        const org = await t.createOrg();
        const cert = tls ? selfSignedCert() : undefined;
        const receiver = await new SyslogReceiver(cert).start();
        try {
          const from = (await headSeq(t, org.readKey)) + 1;
          await createStream(t, org, {
            name: 'syslog',
            format: 'cef',
            destination: {
              type: 'syslog',
              host: '127.0.0.1',
              port: receiver.port,
              hostname: 'trailmark-test',
              ...(cert ? { tls: true, ca: cert.cert, servername: 'localhost' } : {}),
            },
          });
          await ingestMany(t, org, 90);
          const head = await headSeq(t, org.readKey);
          const delivered = () =>
            receiver.messages.map((m) => {
              const sd = m.structuredData[0]!.params;
              return { seq: Number(sd.seq), id: sd.id! };
            });
          await until(() => delivered().some((e) => e.seq === head));
          expect(
            receiver.messages.every((m) => m.hostname === 'trailmark-test' && m.msg.startsWith('CEF:0|')),
          ).toBe(true);
          await expectEveryEventInOrder(t, org, delivered(), from);
        } finally {
          await receiver.close();
        }
      });
    }

    it('delivers only what the filter lets through', async () => {
      const org = await t.createOrg();
      const secret = generateWebhookSecret();
      const receiver = await new WebhookReceiver(secret).start();
      try {
        await createStream(t, org, {
          name: 'filtered',
          format: 'native',
          destination: { type: 'webhook', url: receiver.url, secret },
          filter: { actions: ['thing.n1*', '*.n7'] },
        });
        await ingestMany(t, org, 30);
        await until(() => parsed(receiver.lines).length >= 12);
        const actions = (receiver.lines.map((l) => JSON.parse(l)) as { action: string }[]).map(
          (e) => e.action,
        );
        expect(actions).toEqual([
          'thing.n1',
          'thing.n7',
          ...Array.from({ length: 10 }, (_, i) => `thing.n1${i}`),
        ]);
      } finally {
        await receiver.close();
      }
    });
  });
}
