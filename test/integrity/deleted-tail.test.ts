import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import type { TestServer } from '../helpers/test-server.js';
import { exportTo, ingest, savePublicKeys, type TestOrg, verifyOffline, verifyOnline } from './support.js';
import { BACKENDS, type Tamperer } from './tamper-backends.js';

/**
 * Issue 14's acceptance: a store of 3,000 events whose events after seq 2,500 were deleted in
 * the database is caught online, and no export with proofs of it verifies offline: each carries
 * the org's latest signed checkpoint (seq 3,000), which the verifier holds the export to. (Each
 * export also records audit_log.exported in the org's own chain, after seq 3,000.)
 *
 * The chain: seq 1 organization.created, 2..4 api_key.created, 5..3000 ingested (resource
 * tpl_i at seq i + 5, actor u_(i % 7)); checkpoints every 1,000 events.
 */

const TAIL_EVENT = 'resource_id=tpl_2990'; // seq 2995, deleted with the tail
const EARLY_EVENT = 'resource_id=tpl_100'; // seq 105, kept

for (const backend of BACKENDS) {
  describe(`a deleted tail on ${backend.name}`, () => {
    const files = tempDir();
    let t: TestServer;
    let tamper: Tamperer;
    let close: () => Promise<void>;
    let org: TestOrg;
    let keys: string;
    let dir: string;

    const offline = async (query: string, name: string) => {
      const file = await exportTo(t, org, dir, query, name);
      return verifyOffline(file, ['--public-key', keys]);
    };

    beforeAll(async () => {
      ({ t, tamper, close } = await backend.start({ config: { checkpointEveryEvents: 1000 } }));
      org = await t.createOrg();
      const seqs = await ingest(t, org, 2996);
      expect(seqs.at(-1)).toBe(3000);
      await t.server.ctx.background.checkpointer.signAll();
      dir = `${files.path}/${backend.name}`;
      mkdirSync(dir);
      keys = await savePublicKeys(t, dir);
    });
    afterAll(async () => {
      await close();
      files.remove();
    });

    it('verifies untouched: online, and offline whole or filtered, through the latest checkpoint', async () => {
      expect(await verifyOnline(t, org)).toMatchObject({ ok: true, checked: 3000, checkpoints_checked: 3 });
      const complete = await offline('with_proof=1', 'complete.jsonl');
      expect(complete.code).toBe(0);
      expect(complete.report).toMatchObject({
        ok: true,
        mode: 'complete',
        checked: 3000,
        latest_checkpoint: 3000,
        not_in_export: 0,
      });
      expect(complete.report.notes.join('\n')).toContain('through the latest signed checkpoint (seq 3000)');

      const filtered = await offline(`with_proof=1&actor=u_3&from=2000-01-01T00:00:00Z`, 'filtered.jsonl');
      expect(filtered.code).toBe(0);
      expect(filtered.report).toMatchObject({
        ok: true,
        mode: 'filtered',
        latest_checkpoint: 3000,
        unattested: 0,
      });
      expect(filtered.report.checked).toBe(428); // u_3: i = 3, 10, ..., 2994
      expect(filtered.report.not_in_export).toBe(3000 - 428);
      const notes = filtered.report.notes.join('\n');
      expect(notes).toContain('filtered export (filters:');
      expect(notes).toContain('cannot prove that no other event matches the filters');
      expect(notes).toContain(
        '2572 retained events up to it are not in this export, filtered out or missing',
      );
      expect(notes).toContain('still held the chain through signed checkpoint 3000');

      const one = await offline(`with_proof=1&${TAIL_EVENT}&from=2000-01-01T00:00:00Z`, 'one.jsonl');
      expect(one.report).toMatchObject({ ok: true, checked: 1, first_seq: 2995 });
    });

    describe('after every event after seq 2500 was deleted in the database', () => {
      beforeAll(async () => {
        // Each export above recorded audit_log.exported in the org's chain (3001..3003), once
        // its last row was sent: the tail is everything after 2500 once they are in.
        for (let tries = 0; (await t.server.ctx.store.chainHead(org.id)).seq < 3003; tries++) {
          expect(tries).toBeLessThan(100);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await tamper.deleteEvents(org.id, 2501, 3003);
      });

      it('is caught online', async () => {
        const report = await verifyOnline(t, org);
        expect(report.ok).toBe(false);
        expect(report.checked).toBe(2500);
        expect(report.failure).toMatchObject({ seq: 2501, reason: 'truncated_after_checkpoint' });
      });

      it('fails offline from the complete export, naming the missing events', async () => {
        const { code, report } = await offline('with_proof=1', 'complete-after.jsonl');
        expect(code).toBe(1);
        expect(report).toMatchObject({
          ok: false,
          mode: 'complete',
          checked: 2500,
          latest_checkpoint: 3000,
          not_in_export: 500,
          failure: { seq: 2501, reason: 'truncated_after_checkpoint' },
        });
        expect(report.failure?.detail).toContain('seq 2501..3000 missing');
        expect(report.notes.join('\n')).toContain('500 events it covers are missing');
      });

      it('fails offline from a filtered export that holds events of the damaged range', async () => {
        const { code, report } = await offline(
          'with_proof=1&actor=u_3&from=2000-01-01T00:00:00Z',
          'filtered-after.jsonl',
        );
        expect(code).toBe(1);
        // The first u_3 event of checkpoint 3000's range (2001..3000) that survived has no proof.
        expect(report.failure).toMatchObject({ seq: 2003, reason: 'checkpoint_mismatch' });
        expect(report.latest_checkpoint).toBe(3000);
      });

      it('fails offline from a filtered export whose only event was deleted', async () => {
        const { code, report } = await offline(
          `with_proof=1&${TAIL_EVENT}&from=2000-01-01T00:00:00Z`,
          'one-after.jsonl',
        );
        expect(code).toBe(1);
        expect(report).toMatchObject({ checked: 0, latest_checkpoint: 3000 });
        expect(report.failure).toMatchObject({ seq: 3000, reason: 'truncated_after_checkpoint' });
        expect(report.failure?.detail).toContain('the store no longer held every event of its range');
      });

      it('fails offline from a filtered export of untouched events too: the store lost its tail', async () => {
        const { code, report } = await offline(
          `with_proof=1&${EARLY_EVENT}&from=2000-01-01T00:00:00Z`,
          'early-after.jsonl',
        );
        expect(code).toBe(1);
        expect(report).toMatchObject({ checked: 1, first_seq: 105 });
        expect(report.failure).toMatchObject({ seq: 3000, reason: 'truncated_after_checkpoint' });
      });
    });
  });
}
