import { afterEach, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../src/integrity/chain-verifier.js';
import { planChainParts, walkChainPart } from '../../src/integrity/chain-walk.js';
import { verifyOrgChain } from '../../src/workers/chain-verification.js';
import { ingest, verifyOnline } from './support.js';
import { BACKENDS, type Tamperer } from './tamper-backends.js';

/**
 * A long chain is verified in parts (on threads on SQLite, on connections of their own on
 * PostgreSQL), split at signed checkpoints, each part in one read snapshot. Whatever was altered,
 * and wherever it sits against the parts' edges, the report must be the one a single walk gives,
 * in a snapshot or in-process. The chain: seq 1..4 the org's own events, 5..64 ingested; checkpoints at 20, 40,
 * 60 and 64; three parts: 1..40, 41..60, 61..64.
 */

const ALTERATIONS: Array<[string, (db: Tamperer, org: string) => Promise<void>]> = [
  ['nothing', async () => {}],
  ['the last event of a part deleted', (db, org) => db.deleteEvents(org, 40, 40)],
  ['the first event of a part deleted', (db, org) => db.deleteEvents(org, 41, 41)],
  ['events across an edge deleted', (db, org) => db.deleteEvents(org, 38, 43)],
  ['two parts emptied', (db, org) => db.deleteEvents(org, 40, 64)],
  [
    'the first event of a part edited',
    (db, org) => db.editBody(org, 41, '"description":"event 36"', '"description":"x"'),
  ],
  ['the events at an edge swapped', (db, org) => db.swap(org, 40, 41)],
  ['a forged event at an edge', (db, org) => db.insertForged(org, 41)],
  [
    'events in two parts altered',
    async (db, org) => {
      await db.deleteEvents(org, 50, 50);
      await db.deleteEvents(org, 30, 30);
    },
  ],
];

for (const backend of BACKENDS)
  describe(`verification in parts on ${backend.name}`, () => {
    let close: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await close?.();
      close = undefined;
    });

    it('verifies the chain as it stood when the walk began while ingest goes on', async () => {
      const started = await backend.start({ config: { checkpointEveryEvents: 20 } });
      close = started.close;
      const { t } = started;
      const org = await t.createOrg();
      // More than one read of links (4,000 at a time), so the writer commits between reads.
      await ingest(t, org, 4500);
      await t.server.ctx.background.checkpointer.signAll();
      const writing = ingest(t, org, 3000);
      const reports: VerifyReport[] = [];
      for (let i = 0; i < 5; i++) reports.push(await verifyOnline(t, org));
      await writing;
      for (const report of reports) {
        expect(report).toMatchObject({ ok: true, first_seq: 1 });
        expect(report.checked).toBeGreaterThanOrEqual(4504);
      }
    });

    for (const [name, alter] of ALTERATIONS) {
      it(`reports what one walk reports: ${name}`, async () => {
        const started = await backend.start({ config: { checkpointEveryEvents: 20 } });
        close = started.close;
        const { t, tamper } = started;
        const org = await t.createOrg();
        await ingest(t, org, 60);
        const { store, background } = t.server.ctx;
        await background.checkpointer.signAll();
        await alter(tamper, org.id);

        const keys = await background.keys.keyRing();
        const start = await store.chain.start(org.id);
        const parts = await planChainParts(store, org.id, start, 64, 3, 1);
        expect(parts.map((p) => [p.start.seq, p.through])).toEqual([
          [1, 40],
          [41, 60],
          [61, undefined],
        ]);
        const inProcess = await walkChainPart(store, org.id, keys, { start }, await store.chainHead(org.id));
        const whole: VerifyReport = await verifyOrgChain(store, org.id, keys, {
          threads: 1,
          minPartEvents: 1,
        });
        const inParts = await verifyOrgChain(store, org.id, keys, { threads: 3, minPartEvents: 1 });
        expect(whole).toEqual(inProcess);
        expect(inParts).toEqual(whole);
        expect(whole.ok).toBe(name === 'nothing');
        if (name === 'nothing') expect(whole).toMatchObject({ checked: 64, checkpoints_checked: 4 });
      });
    }
  });
