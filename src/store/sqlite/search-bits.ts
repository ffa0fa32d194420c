/**
 * The SQLite search index: per org, one bitset per block of 1,024 consecutive events, with a bit
 * set for every trigram (three UTF-16 code units) of their lowercased search text, plus the
 * block's occurred_at range. A search skips every block that lacks one of the term's trigram
 * bits and tests only the rows of the others. Cost at write time is one 8 KiB blob per block
 * touched by a commit, instead of a posting per trigram per event (a trigram FTS index costs
 * about 40% of ingest throughput); the index of a million events is about 8 MiB.
 */

export const BLOCK_SHIFT = 10;
export const BLOCK_EVENTS = 1 << BLOCK_SHIFT;
export const BLOCK_BYTES = 8192;
const BIT_MASK = BLOCK_BYTES * 8 - 1;

export function blockOf(seq: number): number {
  return (seq - 1) >>> BLOCK_SHIFT;
}

/** First and last seq of a block. */
export function blockSeqRange(block: number): [number, number] {
  return [block * BLOCK_EVENTS + 1, (block + 1) * BLOCK_EVENTS];
}

function trigramBit(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ b ^ (h >>> 15), 0xc2b2ae35);
  h = Math.imul(h ^ c ^ (h >>> 13), 0x27d4eb2f);
  return (h ^ (h >>> 16)) & BIT_MASK;
}

/** Sets the bits of every trigram of `text` (already lowercased). */
export function addTextBits(bits: Uint8Array, text: string): void {
  for (let i = 0; i + 2 < text.length; i++) {
    const bit = trigramBit(text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2));
    bits[bit >>> 3]! |= 1 << (bit & 7);
  }
}

/** The bits a block must have to possibly hold `needle` (lowercased); empty under 3 characters. */
export function needleBits(needle: string): number[] {
  const bits = new Set<number>();
  for (let i = 0; i + 2 < needle.length; i++) {
    bits.add(trigramBit(needle.charCodeAt(i), needle.charCodeAt(i + 1), needle.charCodeAt(i + 2)));
  }
  return [...bits];
}

export function hasAllBits(bits: Uint8Array, positions: readonly number[]): boolean {
  for (const bit of positions) {
    if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}
