import { describe, expect, it } from 'vitest';
import { chainHash } from '../../src/domain/chain.js';
import { canonicalJson } from '../../src/domain/jcs.js';
import { type ChainLink, ChainVerifier, GENESIS } from '../../src/integrity/chain-verifier.js';
import { type Checkpoint, signCheckpoint } from '../../src/integrity/checkpoint.js';
import { generateSigningKey, KeyRing } from '../../src/integrity/ed25519-keys.js';
import { merkleRootHex } from '../../src/integrity/merkle.js';

const key = generateSigningKey();
const keys = new KeyRing().add(key.kid, key.publicKey);
const ORG = 'org_unit';

function chain(n: number): ChainLink[] {
  const links: ChainLink[] = [];
  let prev = GENESIS;
  for (let seq = 1; seq <= n; seq++) {
    const body = canonicalJson({
      org: ORG,
      seq,
      action: 'a.b',
      actor: { type: 'user', id: `u${seq}` },
      status: 'success',
    });
    const hash = chainHash(prev, body);
    links.push({ seq, prev_hash: prev, hash, body });
    prev = hash;
  }
  return links;
}

function checkpoint(links: ChainLink[], from: number, to: number): Checkpoint {
  return signCheckpoint(
    {
      org: ORG,
      seq: to,
      hash: links[to - 1]!.hash,
      from_seq: from,
      tree_root: merkleRootHex(links.slice(from - 1, to).map((l) => l.hash)),
      signed_at: '2026-11-21T10:00:00.000Z',
      key_id: key.kid,
    },
    key.privateKey,
  );
}

function verify(
  links: ChainLink[],
  cps: Checkpoint[],
  head?: { seq: number; hash: string },
  start = { seq: 1, prev_hash: GENESIS },
) {
  const v = new ChainVerifier({ org: ORG, start, keys, allCheckpoints: true });
  for (const cp of cps) v.addCheckpoint(cp);
  for (const link of links) if (!v.push(link)) break;
  return v.finish(head);
}

describe('ChainVerifier', () => {
  const links = chain(30);
  const cps = [checkpoint(links, 1, 10), checkpoint(links, 11, 20), checkpoint(links, 21, 30)];
  const head = { seq: 30, hash: links[29]!.hash };

  it('verifies an untouched chain with its checkpoints', () => {
    expect(verify(links, cps, head)).toEqual({
      ok: true,
      checked: 30,
      first_seq: 1,
      last_seq: 30,
      checkpoints_checked: 3,
      pruned: 0,
    });
  });

  it('names the seq and reason of each kind of damage', () => {
    const edited = links.map((l) => (l.seq === 7 ? { ...l, body: l.body!.replace('u7', 'u8') } : l));
    expect(verify(edited, cps, head).failure).toMatchObject({ seq: 7, reason: 'hash_mismatch' });

    expect(
      verify(
        links.filter((l) => l.seq !== 12),
        cps,
        head,
      ).failure,
    ).toMatchObject({ seq: 12, reason: 'seq_gap' });

    const swapped = links.map((l) =>
      l.seq === 15 ? { ...links[15]!, seq: 15 } : l.seq === 16 ? { ...links[14]!, seq: 16 } : l,
    );
    expect(verify(swapped, cps, head).failure).toMatchObject({ seq: 15, reason: 'link_broken' });

    // Rewritten from seq 5 on, every hash recomputed: only the signed checkpoint notices.
    const rewritten = chain(30).map((l) => ({ ...l }));
    let prev = rewritten[3]!.hash;
    for (const l of rewritten.slice(4)) {
      l.body = l.body!.replace('a.b', 'x.y');
      l.prev_hash = prev;
      l.hash = chainHash(prev, l.body);
      prev = l.hash;
    }
    expect(verify(rewritten, cps).failure).toMatchObject({ seq: 10, reason: 'checkpoint_mismatch' });

    expect(verify(links.slice(0, 25), cps, head).failure).toMatchObject({
      seq: 26,
      reason: 'truncated_after_checkpoint',
    });
    expect(verify(links.slice(0, 20), cps.slice(0, 2), head).failure).toMatchObject({
      seq: 21,
      reason: 'truncated_after_checkpoint',
    });

    const forged = { ...cps[1]!, signature: cps[0]!.signature };
    expect(verify(links, [cps[0]!, forged, cps[2]!], head).failure).toMatchObject({
      seq: 20,
      reason: 'signature_invalid',
    });

    expect(verify(links, [cps[0]!, cps[2]!], head).failure).toMatchObject({
      seq: 30,
      reason: 'checkpoint_mismatch',
    });

    const moved = links.map((l) => (l.seq >= 20 ? { ...l, seq: l.seq + 1 } : l));
    expect(verify(moved, cps).failure).toMatchObject({ seq: 20, reason: 'seq_gap' });
  });

  it('starts at a retention anchor only when a signed checkpoint vouches for it', () => {
    const start = { seq: 11, prev_hash: links[9]!.hash };
    const rest = links.slice(10);
    expect(verify(rest, cps, head, start)).toMatchObject({ ok: true, first_seq: 11, checkpoints_checked: 3 });
    // Without checkpoint 10, checkpoint 20 (covering 11..20) still vouches for the start...
    expect(verify(rest, cps.slice(1), head, start)).toMatchObject({ ok: true, checkpoints_checked: 2 });
    // ...but nothing does when the first checkpoint left begins after it.
    expect(verify(rest, cps.slice(2), head, start).failure).toMatchObject({
      seq: 10,
      reason: 'checkpoint_mismatch',
    });
    const wrongAnchor = { seq: 11, prev_hash: links[8]!.hash };
    expect(verify(rest, cps, head, wrongAnchor).failure).toMatchObject({
      seq: 10,
      reason: 'checkpoint_mismatch',
    });
    // A purge stopped between two batches: the start lies inside the range of checkpoint 20.
    const mid = { seq: 14, prev_hash: links[12]!.hash };
    expect(verify(links.slice(13), cps, head, mid)).toMatchObject({ ok: true, first_seq: 14 });
  });

  it('keeps the link of a pruned request log entry without its content', () => {
    const pruned = links.map((l) => (l.seq === 8 ? { ...l, body: null } : l));
    expect(verify(pruned, cps, head)).toMatchObject({ ok: true, pruned: 1, checked: 30 });
    const cut = links.map((l) => (l.seq === 8 ? { ...l, body: null, hash: 'f'.repeat(64) } : l));
    expect(verify(cut, cps, head).failure).toMatchObject({ seq: 9, reason: 'link_broken' });
  });
});
