import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MerkleTree, merkleRootHex, verifyInclusion } from '../../src/integrity/merkle.js';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** RFC 6962 §2.1 MTH written as the RFC states it, to check the bottom-up build against. */
function referenceRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return sha(Buffer.from([0]), leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(Buffer.from([1]), referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

/** RFC 6962 §2.1.1 PATH(m, D[n]). */
function referencePath(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length === 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}

const hashes = (n: number) =>
  Array.from({ length: n }, (_, i) => createHash('sha256').update(`event ${i}`).digest('hex'));

describe('RFC 6962 Merkle trees', () => {
  it('builds the same root (both ways) and audit paths as the RFC definition, for every size up to 70', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = hashes(n);
      const raw = leaves.map((h) => Buffer.from(h, 'hex'));
      const tree = new MerkleTree(leaves);
      expect(tree.rootHex()).toBe(referenceRoot(raw).toString('hex'));
      expect(merkleRootHex(leaves)).toBe(tree.rootHex());
      for (let m = 0; m < n; m++) {
        const path = tree.inclusionProof(m);
        expect(path).toEqual(referencePath(m, raw).map((b) => b.toString('hex')));
        expect(verifyInclusion(leaves[m]!, m, n, path, tree.rootHex())).toBe(true);
      }
    }
  });

  it('refuses a proof for another leaf, index, size or root', () => {
    const leaves = hashes(13);
    const tree = new MerkleTree(leaves);
    const root = tree.rootHex();
    const path = tree.inclusionProof(5);
    expect(verifyInclusion(leaves[5]!, 5, 13, path, root)).toBe(true);
    expect(verifyInclusion(leaves[6]!, 5, 13, path, root)).toBe(false);
    expect(verifyInclusion(leaves[5]!, 4, 13, path, root)).toBe(false);
    expect(verifyInclusion(leaves[5]!, 5, 6, path, root)).toBe(false);
    expect(verifyInclusion(leaves[5]!, 5, 13, path.slice(1), root)).toBe(false);
    expect(verifyInclusion(leaves[5]!, 5, 13, [...path, path[0]!], root)).toBe(false);
    expect(verifyInclusion(leaves[5]!, 5, 13, path, merkleRootHex(leaves.slice(1)))).toBe(false);
    expect(verifyInclusion(leaves[5]!, 13, 13, path, root)).toBe(false);
    expect(verifyInclusion(leaves[5]!, 5, 13, ['not hex'], root)).toBe(false);
  });

  it('matches the published single-leaf vector: SHA-256(0x00 || leaf)', () => {
    const leaf = '00'.repeat(32);
    expect(merkleRootHex([leaf])).toBe(sha(Buffer.from([0]), Buffer.alloc(32)).toString('hex'));
  });
});
