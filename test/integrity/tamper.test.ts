import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../src/integrity/checkpoint.js';
import { tempDir } from '../helpers/temp.js';
import type { TestServer } from '../helpers/test-server.js';
import { exportTo, ingest, savePublicKeys, type TestOrg, verifyOffline, verifyOnline } from './support.js';
import { BACKENDS, type Tamperer } from './tamper-backends.js';

/**
 * Issue 3 acceptance: a store written by the real server, then altered directly in the
 * database, bypassing Trailmark. Each alteration must be found by POST /v1/chain/verify and by
 * `trailmark verify` on a complete export, naming the same seq and reason.
 *
 * The chain: seq 1 organization.created, 2..4 api_key.created, 5..64 ingested; checkpoints
 * every 20 events, at 20, 40, 60, and at 64 for the rest.
 */

interface Scenario {
  name: string;
  alter(tamper: Tamperer, org: string, checkpoints: Checkpoint[]): Promise<void>;
  expected: { seq: number; reason: string };
}

const SCENARIOS: Scenario[] = [
  {
    name: 'one field of one event edited',
    alter: (db, org) => db.editBody(org, 30, '"description":"event 25"', '"description":"event 25, edited"'),
    expected: { seq: 30, reason: 'hash_mismatch' },
  },
  {
    name: 'one event deleted in the middle',
    alter: (db, org) => db.deleteEvents(org, 33, 33),
    expected: { seq: 33, reason: 'seq_gap' },
  },
  {
    // The forged event itself is consistent (its hash and link are right): the chain breaks
    // where the genuine event that followed its predecessor now sits.
    name: 'a forged event inserted',
    alter: (db, org) => db.insertForged(org, 45),
    expected: { seq: 46, reason: 'link_broken' },
  },
  {
    name: 'two events swapped',
    alter: (db, org) => db.swap(org, 50, 51),
    expected: { seq: 50, reason: 'link_broken' },
  },
  {
    name: 'the newest events deleted after a checkpoint',
    alter: (db, org) => db.deleteEvents(org, 61, 64),
    expected: { seq: 61, reason: 'truncated_after_checkpoint' },
  },
  {
    name: "a checkpoint's signature replaced",
    alter: (db, org, cps) => db.replaceSignature(org, 40, cps.find((cp) => cp.seq === 20)!.signature),
    expected: { seq: 40, reason: 'signature_invalid' },
  },
];

for (const backend of BACKENDS) {
  describe(`tamper detection on ${backend.name}`, () => {
    const files = tempDir();
    afterAll(() => files.remove());

    async function written(): Promise<{
      t: TestServer;
      org: TestOrg;
      tamper: Tamperer;
      close: () => Promise<void>;
      checkpoints: Checkpoint[];
    }> {
      // Online verification splits the chain into parts (1..40, 41..60, 61..64) where the
      // backend walks parts on threads; chain-parts.test.ts compares that with one walk.
      const started = await backend.start({
        config: { checkpointEveryEvents: 20, verifyThreads: 3, verifyPartMinEvents: 1 },
      });
      const org = await started.t.createOrg();
      const seqs = await ingest(started.t, org, 60);
      expect(seqs[0]).toBe(5);
      expect(seqs[59]).toBe(64);
      await started.t.server.ctx.background.checkpointer.signAll();
      const res = await started.t.request('/v1/chain/checkpoints', { key: org.readKey });
      const checkpoints = ((await res.json()) as { data: Checkpoint[] }).data;
      expect(checkpoints.map((cp) => [cp.from_seq, cp.seq])).toEqual([
        [1, 20],
        [21, 40],
        [41, 60],
        [61, 64],
      ]);
      return { ...started, org, checkpoints };
    }

    describe('an untouched store', () => {
      let s: Awaited<ReturnType<typeof written>>;
      beforeAll(async () => {
        s = await written();
      });
      afterAll(async () => {
        await s.close();
      });

      it('verifies online', async () => {
        expect(await verifyOnline(s.t, s.org)).toMatchObject({
          ok: true,
          checked: 64,
          first_seq: 1,
          last_seq: 64,
          checkpoints_checked: 4,
        });
        const chain = (await (await s.t.request('/v1/chain', { key: s.org.readKey })).json()) as Record<
          string,
          unknown
        >;
        expect(chain).toMatchObject({
          org: s.org.id,
          head: { seq: 64 },
          checkpoint: { seq: 64, from_seq: 61 },
          last_verification: { ok: true, checked: 64 },
        });
      });

      it('verifies offline from a complete export and the published public keys', async () => {
        const dir = `${files.path}/${backend.name}-untouched`;

        mkdirSync(dir);
        const file = await exportTo(s.t, s.org, dir, 'with_proof=1');
        const keys = await savePublicKeys(s.t, dir);
        const { code, report } = await verifyOffline(file, ['--public-key', keys]);
        expect(code).toBe(0);
        expect(report).toMatchObject({
          ok: true,
          mode: 'complete',
          checked: 64,
          first_seq: 1,
          last_seq: 64,
          checkpoints_checked: 4,
          keys: 'trusted',
          unattested: 0,
        });
      });
    });

    for (const scenario of SCENARIOS) {
      it(`finds ${scenario.name}: seq ${scenario.expected.seq}, ${scenario.expected.reason}`, async () => {
        const s = await written();
        try {
          const dir = `${files.path}/${backend.name}-${SCENARIOS.indexOf(scenario)}`;

          mkdirSync(dir);
          const keys = await savePublicKeys(s.t, dir);
          await scenario.alter(s.tamper, s.org.id, s.checkpoints);

          const online = await verifyOnline(s.t, s.org);
          expect(online.ok).toBe(false);
          expect(online.failure).toMatchObject(scenario.expected);

          const file = await exportTo(s.t, s.org, dir, 'with_proof=1');
          const { code, report } = await verifyOffline(file, ['--public-key', keys]);
          expect(code).toBe(1);
          expect(report.failure).toMatchObject(scenario.expected);
        } finally {
          await s.close();
        }
      });
    }
  });
}
