import { sha256BufferOf, sha256Latin1Of } from '../domain/sha256.js';

/**
 * RFC 6962 (Certificate Transparency) Merkle trees over one checkpoint range. The leaves are
 * the 32-byte event hashes of the range in seq order:
 *
 *   leaf hash = SHA-256(0x00 || event hash)
 *   node hash = SHA-256(0x01 || left || right)
 *   MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of two < n
 *
 * The tree is built bottom-up: at each level nodes are paired left to right and a last
 * unpaired node moves up unchanged, which yields exactly the RFC's largest-power-of-two split.
 */

/** The bytes being hashed, reused: a tree of 1,000 leaves hashes about 2,000 times. */
const scratch = Buffer.alloc(65);

/** The bytes a leaf hash is taken of: 0x00 and the event hash; in `scratch` when it is a hash. */
function leafInput(eventHashHex: string): Buffer {
  scratch[0] = 0;
  if (eventHashHex.length === 64 && scratch.write(eventHashHex, 1, 32, 'hex') === 32) {
    return scratch.subarray(0, 33);
  }
  // Not a hash (a damaged file): hashed as it decodes, so that it simply fails to match.
  return Buffer.concat([scratch.subarray(0, 1), Buffer.from(eventHashHex, 'hex')]);
}

export function leafHash(eventHashHex: string): Buffer {
  return sha256BufferOf(leafInput(eventHashHex));
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  scratch[0] = 1;
  left.copy(scratch, 1);
  right.copy(scratch, 33);
  return sha256BufferOf(scratch);
}

/** Every level of the tree, leaves first, root last. */
export class MerkleTree {
  readonly levels: Buffer[][];

  constructor(eventHashes: readonly string[]) {
    if (eventHashes.length === 0) throw new RangeError('a checkpoint range holds at least one event');
    let level = eventHashes.map(leafHash);
    this.levels = [level];
    while (level.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i < level.length; i += 2) {
        next.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!);
      }
      this.levels.push(next);
      level = next;
    }
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  rootHex(): string {
    return this.levels[this.levels.length - 1]![0]!.toString('hex');
  }

  /** RFC 6962 §2.1.1 PATH(m, D[n]): the sibling hashes from the leaf up, hex. */
  inclusionProof(index: number): string[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new RangeError('leaf index');
    const path: string[] = [];
    let i = index;
    for (let depth = 0; depth < this.levels.length - 1; depth++) {
      const level = this.levels[depth]!;
      const sibling = i ^ 1;
      if (sibling < level.length) path.push(level[sibling]!.toString('hex'));
      i >>= 1;
    }
    return path;
  }
}

/**
 * The root alone, as the checkpoint signer needs it for every range: the same tree built level
 * by level in one buffer, each hash taken as a short string rather than a Buffer of its own. It
 * makes no object per node, and measured 2.4 times faster than building a MerkleTree.
 */
export function merkleRootHex(eventHashes: readonly string[]): string {
  let n = eventHashes.length;
  if (n === 0) throw new RangeError('a checkpoint range holds at least one event');
  const level = Buffer.allocUnsafe(n * 32);
  for (let i = 0; i < n; i++) {
    level.write(sha256Latin1Of(leafInput(eventHashes[i]!)), i * 32, 32, 'latin1');
  }
  while (n > 1) {
    let out = 0;
    for (let i = 0; i < n; i += 2, out++) {
      if (i + 1 === n) {
        level.copy(level, out * 32, i * 32, i * 32 + 32);
        continue;
      }
      scratch[0] = 1;
      level.copy(scratch, 1, i * 32, i * 32 + 64);
      level.write(sha256Latin1Of(scratch), out * 32, 32, 'latin1');
    }
    n = out;
  }
  return level.toString('hex', 0, 32);
}

/**
 * RFC 9162 §2.1.3.2: does `eventHashHex` sit at `index` of a tree of `size` leaves whose root
 * is `rootHex`, given the audit path?
 */
export function verifyInclusion(
  eventHashHex: string,
  index: number,
  size: number,
  path: readonly string[],
  rootHex: string,
): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(eventHashHex);
  for (const hex of path) {
    if (!/^[0-9a-f]{64}$/.test(hex)) return false;
    const p = Buffer.from(hex, 'hex');
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r.toString('hex') === rootHex;
}
