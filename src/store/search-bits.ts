/**
 * The SQLite search index: per org, one bitset per block of 256 consecutive events, with a bit
 * set for every 3-gram, 5-gram and 7-gram (of UTF-16 code units) of their lowercased search text
 * and IP address, plus the block's occurred_at range. A search, or a filter on a rare value
 * (resource id, IP, email, workspace), skips every block that lacks one of the value's n-gram
 * bits and tests only the rows of the others.
 *
 * Why this shape: a trigram FTS index costs about 40% of ingest throughput (a posting per
 * trigram per event); this costs one 8 KiB blob per block touched by a commit, and the bits of a
 * million events are 31 MiB (70 MiB on disk by dbstat, as the 4 KiB blocks before them took:
 * about one 16 KiB page a block either way). Trigrams alone say little about a block of many events (every
 * digit triple occurs somewhere in it); longer grams keep adjacency. 7-grams, in twice the bits,
 * were measured on a million events of the benchmark's population: for 60 substrings drawn from
 * the data, blocks admitted against blocks holding the value went from 1.44 (geometric mean)
 * with 3- and 5-grams in 4 KiB to 1.12, and the blocks read for nothing from 7,108 to 2,710; a
 * rare term (`document 3000`, in 37 blocks) was admitted by 334 blocks, now 53. Each of its
 * 3- and 5-grams is common on its own; a block of 256 events held them all without the term.
 */

/**
 * How many of the newest events in range a search (or a rare value's filter) tests directly
 * before it turns to the blocks, on both backends: common terms fill a page among them.
 */
export const PROBE_ROWS = 2000;

export const BLOCK_SHIFT = 8;
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

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The bit of an n-gram from its FNV-1a state after its last code unit; the length is mixed in here. */
function finish(h: number, length: number): number {
  h = Math.imul(h ^ (h >>> 15) ^ Math.imul(length, 0x9e3779b1), 0x2c1b3c6d);
  return (h ^ (h >>> 12)) & BIT_MASK;
}

function gramBit(text: string, at: number, length: number): number {
  let h = FNV_OFFSET;
  for (let i = at; i < at + length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return finish(h, length);
}

/** The lengths of the n-grams whose bits are set, shortest first. */
const GRAMS = [3, 5, 7] as const;

/**
 * Sets the bits of every n-gram of `text` (already lowercased), as needleBits asks for them (the test
 * holds them to each other). Runs per event in the writer, so it is written out for GRAMS'
 * lengths: the grams starting at one position share their hash's first steps, each code unit is
 * hashed once per start position (7 steps, not 15).
 */
export function addTextBits(bits: Uint8Array, text: string): void {
  const n = text.length;
  for (let at = 0; at + 3 <= n; at++) {
    let h = Math.imul(FNV_OFFSET ^ text.charCodeAt(at), FNV_PRIME);
    h = Math.imul(h ^ text.charCodeAt(at + 1), FNV_PRIME);
    h = Math.imul(h ^ text.charCodeAt(at + 2), FNV_PRIME);
    setBit(bits, finish(h, 3));
    if (at + 5 > n) continue;
    h = Math.imul(h ^ text.charCodeAt(at + 3), FNV_PRIME);
    h = Math.imul(h ^ text.charCodeAt(at + 4), FNV_PRIME);
    setBit(bits, finish(h, 5));
    if (at + 7 > n) continue;
    h = Math.imul(h ^ text.charCodeAt(at + 5), FNV_PRIME);
    h = Math.imul(h ^ text.charCodeAt(at + 6), FNV_PRIME);
    setBit(bits, finish(h, 7));
  }
}

function setBit(bits: Uint8Array, bit: number): void {
  bits[bit >>> 3]! |= 1 << (bit & 7);
}

/** A block's bits and time range while events are added to it. */
export interface OpenBlock {
  block: number;
  bits: Buffer;
  min: number;
  max: number;
}

export function emptyBlock(block: number): OpenBlock {
  return {
    block,
    bits: Buffer.alloc(BLOCK_BYTES),
    min: Number.MAX_SAFE_INTEGER,
    max: Number.MIN_SAFE_INTEGER,
  };
}

/** What a block keeps of an event: the columns it is searched and filtered by (an AppendRow has them). */
export interface BlockEntry {
  searchText: string;
  ip: string | null;
  resourceId: string | null;
  workspace: string | null;
  occurredAt: number;
}

/**
 * Adds one event to its block: the bits of its search text and IP, the ends of the values the
 * filters compare whole (valueBits), and its time.
 */
export function addToBlock(open: OpenBlock, event: BlockEntry): void {
  addTextBits(open.bits, event.searchText);
  if (event.ip) {
    addTextBits(open.bits, event.ip);
    addValueEnds(open.bits, event.ip);
  }
  if (event.resourceId) addValueEnds(open.bits, event.resourceId.toLowerCase());
  if (event.workspace) addValueEnds(open.bits, event.workspace.toLowerCase());
  if (event.occurredAt < open.min) open.min = event.occurredAt;
  if (event.occurredAt > open.max) open.max = event.occurredAt;
}

/**
 * A whole value is marked by the n-grams of `START value END` that hold START or END: the
 * grams at its two ends. A filter on a value (resource id, IP, workspace) is equality, and
 * without its ends a block holding only longer values that contain it (`document_7771` for
 * `document_777`) is admitted and read for nothing. Its inner grams are in the search text, or
 * the IP's own.
 */
const VALUE_START = '\u0001';
const VALUE_END = '\u0002';

function eachValueEndBit(value: string, visit: (bit: number) => void): void {
  const marked = VALUE_START + value + VALUE_END;
  for (const length of GRAMS) {
    if (length > marked.length) break;
    visit(gramBit(marked, 0, length));
    // A value of one or two characters is whole in its first gram already.
    if (length < marked.length) visit(gramBit(marked, marked.length - length, length));
  }
}

function addValueEnds(bits: Uint8Array, value: string): void {
  eachValueEndBit(value, (bit) => setBit(bits, bit));
}

/**
 * The bits a block must have to possibly hold an event whose column equals `value` (lowercased):
 * its n-grams and its ends. For the columns addToBlock marks: resource id, IP, workspace.
 */
export function valueBits(value: string): number[] {
  // The ends first: they are what tells the value from the longer ones (see needleBits).
  const bits = new Set<number>();
  eachValueEndBit(value, (bit) => bits.add(bit));
  for (const bit of needleBits(value)) bits.add(bit);
  return [...bits];
}

/**
 * The bits a block must have to possibly hold `needle` (lowercased); empty under 3 characters.
 * Longest grams first: a block is tested bit by bit until one is missing, and a block without
 * the needle mostly has its 3-grams (each digit triple occurs somewhere in 256 events) but lacks
 * a 7-gram. Testing the 3-grams first took 20 ms for the 39,000 blocks of 10,000,000 events.
 */
export function needleBits(needle: string): number[] {
  const bits = new Set<number>();
  for (let g = GRAMS.length - 1; g >= 0; g--) {
    const length = GRAMS[g]!;
    for (let i = 0; i + length <= needle.length; i++) bits.add(gramBit(needle, i, length));
  }
  return [...bits];
}

export function hasAllBits(bits: Uint8Array, positions: readonly number[]): boolean {
  for (const bit of positions) {
    if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

/** A stored event as the blocks are built again from it. */
export interface StoredBlockEntry extends BlockEntry {
  orgPk: number;
  seq: number;
}

/**
 * Builds every block from the stored events with the writer's own steps (emptyBlock,
 * addToBlock), for the migrations that build the index again. `readAfter` answers the next
 * events in (org, seq) order after the one given (empty at the end); `save` receives finished
 * blocks in that order, a few hundred at a time.
 */
export async function buildBlocks(
  readAfter: (orgPk: number, seq: number) => Promise<StoredBlockEntry[]>,
  save: (blocks: { orgPk: number; block: OpenBlock }[]) => Promise<void>,
): Promise<void> {
  let pending: { orgPk: number; block: OpenBlock }[] = [];
  let current: { orgPk: number; block: OpenBlock } | undefined;
  for (let after = { orgPk: -1, seq: 0 }; ; ) {
    const events = await readAfter(after.orgPk, after.seq);
    if (events.length === 0) break;
    for (const event of events) {
      const number = blockOf(event.seq);
      if (current?.orgPk !== event.orgPk || current.block.block !== number) {
        if (current) pending.push(current);
        if (pending.length >= SAVE_BLOCKS) {
          await save(pending);
          pending = [];
        }
        current = { orgPk: event.orgPk, block: emptyBlock(number) };
      }
      addToBlock(current.block, event);
    }
    const last = events[events.length - 1]!;
    after = { orgPk: last.orgPk, seq: last.seq };
  }
  if (current) pending.push(current);
  if (pending.length > 0) await save(pending);
}

const SAVE_BLOCKS = 200;
