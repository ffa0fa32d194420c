/**
 * The SQLite search index: per org, one bitset per block of 256 consecutive events, with a bit
 * set for every 3-gram and 5-gram (of UTF-16 code units) of their lowercased search text and IP
 * address, plus the block's occurred_at range. A search, or a filter on a rare value (resource
 * id, IP, email, workspace), skips every block that lacks one of the value's n-gram bits and
 * tests only the rows of the others.
 *
 * Why this shape: a trigram FTS index costs about 40% of ingest throughput (a posting per
 * trigram per event); this costs one 4 KiB blob per block touched by a commit, and the index of
 * a million events is 16 MiB. Trigrams alone say little about a block of many events (every
 * digit triple occurs somewhere in it); 5-grams keep adjacency, so a value like `res_777777`
 * admits about 1% of blocks on data made of sequential numbers, the adversarial case.
 */

export const BLOCK_SHIFT = 8;
export const BLOCK_EVENTS = 1 << BLOCK_SHIFT;
export const BLOCK_BYTES = 4096;
const BIT_MASK = BLOCK_BYTES * 8 - 1;

export function blockOf(seq: number): number {
  return (seq - 1) >>> BLOCK_SHIFT;
}

/** First and last seq of a block. */
export function blockSeqRange(block: number): [number, number] {
  return [block * BLOCK_EVENTS + 1, (block + 1) * BLOCK_EVENTS];
}

function gramBit(text: string, at: number, length: number): number {
  let h = 0x811c9dc5 ^ length;
  for (let i = at; i < at + length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 12)) & BIT_MASK;
}

function eachGramBit(text: string, visit: (bit: number) => void): void {
  for (let i = 0; i + 3 <= text.length; i++) visit(gramBit(text, i, 3));
  for (let i = 0; i + 5 <= text.length; i++) visit(gramBit(text, i, 5));
}

/** Sets the bits of every 3-gram and 5-gram of `text` (already lowercased). Runs per event. */
export function addTextBits(bits: Uint8Array, text: string): void {
  for (let i = 0; i + 3 <= text.length; i++) {
    const bit = gramBit(text, i, 3);
    bits[bit >>> 3]! |= 1 << (bit & 7);
  }
  for (let i = 0; i + 5 <= text.length; i++) {
    const bit = gramBit(text, i, 5);
    bits[bit >>> 3]! |= 1 << (bit & 7);
  }
}

/** The bits a block must have to possibly hold `needle` (lowercased); empty under 3 characters. */
export function needleBits(needle: string): number[] {
  const bits = new Set<number>();
  eachGramBit(needle, (bit) => bits.add(bit));
  return [...bits];
}

export function hasAllBits(bits: Uint8Array, positions: readonly number[]): boolean {
  for (const bit of positions) {
    if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}
