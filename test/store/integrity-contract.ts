import { describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH } from '../../src/domain/chain.js';
import type { Checkpoint } from '../../src/integrity/checkpoint.js';
import type { StoredVerification } from '../../src/store/verification-store.js';
import { append, BASE, createOrg, pending, type StoreHarness, uid } from './contract-helpers.js';

const DAY = 86_400_000;

/** A checkpoint as the store keeps it; the store does not check signatures, verification does. */
function checkpoint(org: string, from: number, to: number, hash: string, day: number): Checkpoint {
  return {
    org,
    seq: to,
    from_seq: from,
    hash,
    tree_root: 'r'.repeat(64),
    signed_at: new Date(BASE + day * DAY).toISOString(),
    key_id: 'kid-1',
    signature: `sig-${from}-${to}`,
  };
}

const REQUEST = { request: { method: 'GET' as const, path: '/api/things', status_code: 200 } };

/**
 * The integrity side of the storage contract (signing-key-store.ts, checkpoint-store.ts,
 * chain-store.ts, verification-store.ts, lease-store.ts, retention-store.ts), part of the one
 * contract suite (store-contract.ts) and run on its store.
 */
export function runIntegrityContract(harness: () => StoreHarness): void {
  const store = () => harness().store;

  describe('signing keys', () => {
    const key = (id: string, day: number) => ({
      id,
      public_key: `pub-${id}`,
      private_key: `priv-${id}`,
      status: 'active' as const,
      created_at: new Date(BASE + day * DAY).toISOString(),
    });

    it('keeps one active key: of two first keys one is stored, a rotation retires the active one', async () => {
      const { signingKeys } = store();
      expect(await signingKeys.add(key('kid-a', 0), 'first')).toBe(true);
      expect(await signingKeys.add(key('kid-b', 1), 'first')).toBe(false);
      expect(await signingKeys.add(key('kid-a', 0), 'first')).toBe(false);
      expect(await signingKeys.list()).toEqual([{ ...key('kid-a', 0), retired_at: null }]);

      expect(await signingKeys.add(key('kid-c', 2), 'rotate')).toBe(true);
      expect(await signingKeys.list()).toEqual([
        { ...key('kid-a', 0), status: 'retired', retired_at: key('kid-c', 2).created_at },
        { ...key('kid-c', 2), retired_at: null },
      ]);

      await signingKeys.reseal('kid-a', 'sealed-a');
      expect((await signingKeys.list()).map((k) => k.private_key)).toEqual(['sealed-a', 'priv-kid-c']);
    });
  });

  describe('checkpoints', () => {
    it('stores only the checkpoints that continue the newest, each range once', async () => {
      const s = store();
      const org = await createOrg(s);
      const other = await createOrg(s);
      const events = await append(
        s,
        org,
        Array.from({ length: 10 }, () => pending(org)),
      );
      const hash = (seq: number) => events[seq - 1]!.hash;
      const [a, b, c] = [
        checkpoint(org, 1, 4, hash(4), 1),
        checkpoint(org, 5, 6, hash(6), 2),
        checkpoint(org, 7, 10, hash(10), 3),
      ];

      expect(await s.checkpoints.unsignedTails()).toContainEqual({
        org,
        head_seq: 10,
        head_hash: hash(10),
        signed_seq: 0,
        signed_hash: GENESIS_HASH,
      });
      expect(await s.checkpoints.insert([])).toBe(0);
      expect(await s.checkpoints.insert([a, b])).toBe(2);
      // Not right after the newest: neither it nor what follows it is stored.
      expect(await s.checkpoints.insert([checkpoint(org, 8, 10, hash(10), 3), c])).toBe(0);
      // A range already signed (another signer got there first).
      expect(await s.checkpoints.insert([a])).toBe(0);
      expect(await s.checkpoints.insert([b])).toBe(0);
      // One org per call: the first checkpoint of another org ends it.
      expect(await s.checkpoints.insert([c, checkpoint(other, 1, 1, GENESIS_HASH, 3)])).toBe(1);
      expect(await s.checkpoints.latest(other)).toBeUndefined();

      expect(await s.checkpoints.latest(org)).toEqual(c);
      expect(await s.checkpoints.covering(org, 1)).toEqual(a);
      expect(await s.checkpoints.covering(org, 5)).toEqual(b);
      expect(await s.checkpoints.covering(org, 6)).toEqual(b);
      expect(await s.checkpoints.covering(org, 11)).toBeUndefined();
      expect(await s.checkpoints.list(org, 1, 10)).toEqual([a, b, c]);
      expect(await s.checkpoints.list(org, 5, 1)).toEqual([b]);
      expect(await s.checkpoints.list(org, 11, 10)).toEqual([]);
      expect(await s.checkpoints.signedBefore(org, new Date(BASE + 2.5 * DAY).toISOString())).toEqual(b);
      expect(await s.checkpoints.signedBefore(org, a.signed_at)).toBeUndefined();

      expect((await s.checkpoints.unsignedTails()).map((t) => t.org)).not.toContain(org);
      const more = await append(s, org, [pending(org), pending(org)]);
      expect(await s.checkpoints.unsignedTails()).toContainEqual({
        org,
        head_seq: 12,
        head_hash: more[1]!.hash,
        signed_seq: 10,
        signed_hash: hash(10),
      });

      expect(await s.checkpoints.latest('org_missing')).toBeUndefined();
      expect(await s.checkpoints.list('org_missing', 1, 10)).toEqual([]);
      expect(await s.checkpoints.insert([checkpoint('org_missing', 1, 1, GENESIS_HASH, 1)])).toBe(0);
    });

    it('refuses UPDATE and DELETE of checkpoints in the database itself', async () => {
      const s = store();
      const org = await createOrg(s);
      const [event] = await append(s, org, [pending(org)]);
      const cp = checkpoint(org, 1, 1, event!.hash, 1);
      expect(await s.checkpoints.insert([cp])).toBe(1);
      await expect(harness().execRaw("UPDATE checkpoints SET signature = 'forged'")).rejects.toThrow(
        /immutable|refused/,
      );
      await expect(harness().execRaw('DELETE FROM checkpoints')).rejects.toThrow(/immutable|refused/);
      expect(await s.checkpoints.latest(org)).toEqual(cp);
    });
  });

  describe('chain', () => {
    it('reads links, leaf hashes and receipt times in seq order', async () => {
      const s = store();
      const org = await createOrg(s);
      const received = new Date(BASE + 5 * DAY);
      const events = await append(s, org, [pending(org), pending(org, {}, received), pending(org)]);

      expect(await s.chain.start(org)).toEqual({ seq: 1, prev_hash: GENESIS_HASH });
      const links = await s.chain.links(org, 1, 3, 10);
      expect(links.map((l) => [l.seq, l.hash])).toEqual(events.map((e) => [e.seq, e.hash]));
      let prev = GENESIS_HASH;
      for (const link of links) {
        expect(link.prev_hash).toBe(prev);
        expect(chainHash(link.prev_hash, link.body!)).toBe(link.hash);
        prev = link.hash;
      }
      expect((await s.chain.links(org, 2, 3, 1)).map((l) => l.seq)).toEqual([2]);
      expect((await s.chain.links(org, 2, 2, 10)).map((l) => l.seq)).toEqual([2]);
      const bare = await s.chain.links(org, 1, 3, 10, { bodies: false });
      expect(bare).toEqual(links.map((l) => ({ ...l, body: null })));

      expect(await s.chain.hashes(org, 1, 3)).toEqual(events.map((e) => e.hash));
      expect(await s.chain.hashes(org, 2, 2)).toEqual([events[1]!.hash]);
      expect(await s.chain.receivedAt(org, 2)).toBe(received.toISOString());
      expect(await s.chain.receivedAt(org, 4)).toBeUndefined();

      expect(await s.chain.start('org_missing')).toEqual({ seq: 1, prev_hash: GENESIS_HASH });
      expect(await s.chain.links('org_missing', 1, 3, 10)).toEqual([]);
      expect(await s.chain.hashes('org_missing', 1, 3)).toEqual([]);
      expect(await s.chain.receivedAt('org_missing', 1)).toBeUndefined();
    });
  });

  describe('verifications', () => {
    it("keeps each org's latest outcome", async () => {
      const s = store();
      const org = await createOrg(s);
      const other = await createOrg(s);
      const passed: StoredVerification = {
        ok: true,
        checked: 3,
        first_seq: 1,
        last_seq: 3,
        checkpoints_checked: 1,
        pruned: 0,
        verified_at: new Date(BASE).toISOString(),
      };
      const failed: StoredVerification = {
        ...passed,
        ok: false,
        checked: 1,
        failure: { seq: 2, reason: 'hash_mismatch', detail: 'seq 2: stored hash differs' },
        verified_at: new Date(BASE + DAY).toISOString(),
      };
      expect(await s.verifications.last(org)).toBeUndefined();
      await s.verifications.save(org, passed);
      expect(await s.verifications.last(org)).toEqual(passed);
      await s.verifications.save(org, failed);
      expect(await s.verifications.last(org)).toEqual(failed);
      expect(await s.verifications.last(other)).toBeUndefined();
      await s.verifications.save('org_missing', passed);
      expect(await s.verifications.last('org_missing')).toBeUndefined();
    });
  });

  describe('leases', () => {
    it('gives a lease to one holder at a time until it expires or is released', async () => {
      const { leases } = store();
      const name = uid('lease');
      expect(await leases.acquire(name, 'a', 1000, 0)).toBe(true);
      expect(await leases.acquire(name, 'b', 1000, 500)).toBe(false);
      // A renewal moves the expiry.
      expect(await leases.acquire(name, 'a', 1000, 900)).toBe(true);
      expect(await leases.acquire(name, 'b', 1000, 1900)).toBe(false);
      expect(await leases.acquire(name, 'b', 1000, 1901)).toBe(true);
      // Only the holder releases it.
      await leases.release(name, 'a');
      expect(await leases.acquire(name, 'a', 1000, 2000)).toBe(false);
      await leases.release(name, 'b');
      expect(await leases.acquire(name, 'a', 1000, 2000)).toBe(true);
      // Leases are independent of each other.
      expect(await leases.acquire(uid('lease'), 'b', 1000, 2000)).toBe(true);
    });
  });

  describe('retention', () => {
    it('prunes request entries to links and purges the oldest events up to a checkpoint', async () => {
      const s = store();
      const org = await createOrg(s);
      const events = await append(
        s,
        org,
        Array.from({ length: 10 }, (_, i) => pending(org, i === 2 || i === 5 ? REQUEST : {})),
      );
      const hash = (seq: number) => events[seq - 1]!.hash;
      const all = events.map((e) => e.hash);
      expect(
        await s.checkpoints.insert([checkpoint(org, 1, 5, hash(5), 1), checkpoint(org, 6, 10, hash(10), 2)]),
      ).toBe(2);

      expect(await s.retention.progress(org)).toEqual({ request_pruned_through: 0 });
      expect(await s.retention.pruneRequests(org, 1, 5, 100)).toEqual({ count: 1, through_seq: 5 });
      expect(await s.retention.progress(org)).toEqual({ request_pruned_through: 5 });
      // At most `max` seqs examined.
      expect(await s.retention.pruneRequests(org, 6, 10, 2)).toEqual({ count: 1, through_seq: 7 });
      expect(await s.retention.progress(org)).toEqual({ request_pruned_through: 7 });
      const links = await s.chain.links(org, 1, 10, 100);
      expect(links.map((l) => l.hash)).toEqual(all);
      expect(links.filter((l) => l.body === null).map((l) => l.seq)).toEqual([3, 6]);
      expect(await s.chain.hashes(org, 1, 10)).toEqual(all);
      expect((await s.chain.links(org, 1, 10, 4)).map((l) => l.seq)).toEqual([1, 2, 3, 4]);

      const first = await s.retention.purge(org, 5, 3);
      expect(first).toMatchObject({ count: 3, from_seq: 1, to_seq: 3 });
      expect(first!.held_ms).toBeGreaterThanOrEqual(0);
      expect(await s.chain.start(org)).toEqual({ seq: 4, prev_hash: hash(3) });
      expect((await s.chain.links(org, 1, 10, 100)).map((l) => l.seq)).toEqual([4, 5, 6, 7, 8, 9, 10]);
      expect(await s.retention.purge(org, 5, 100)).toMatchObject({ count: 2, from_seq: 4, to_seq: 5 });
      expect(await s.chain.start(org)).toEqual({ seq: 6, prev_hash: hash(5) });
      expect(await s.retention.purge(org, 5, 100)).toBeUndefined();
      expect(await s.chain.hashes(org, 1, 10)).toEqual(all.slice(5));
      // The action counts lose what was purged and pruned: seqs 7 to 10 are left as events.
      const wide = { from: 0, to: Date.UTC(2100, 0, 1) };
      expect((await s.listActions(org, wide)).reduce((sum, a) => sum + a.count, 0)).toBe(4);
      expect(await s.chain.receivedAt(org, 2)).toBeUndefined();
      expect((await s.checkpoints.unsignedTails()).map((t) => t.org)).not.toContain(org);

      expect(await s.retention.purge('org_missing', 5, 100)).toBeUndefined();
      expect(await s.retention.pruneRequests('org_missing', 1, 5, 100)).toEqual({ count: 0, through_seq: 5 });
      expect(await s.retention.progress('org_missing')).toEqual({ request_pruned_through: 0 });
    });
  });
}
