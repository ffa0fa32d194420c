import { describe, expect, it } from 'vitest';
import { BlockCache, type BlockRow } from '../../src/store/block-cache.js';
import { addTextBits, BLOCK_BYTES, needleBits } from '../../src/store/search-bits.js';

function block(n: number, text: string): BlockRow {
  const bits = new Uint8Array(BLOCK_BYTES);
  addTextBits(bits, text);
  return { block: n, min_occurred_at: n * 10, max_occurred_at: n * 10 + 9, bits };
}

/** A table of blocks the cache loads from, counting what it reads. */
function table(rows: BlockRow[]) {
  const reads: number[] = [];
  return {
    rows,
    reads,
    load: (after: number) => {
      const fresh = rows.filter((r) => r.block > after);
      reads.push(fresh.length);
      return { rows: fresh.map((r) => ({ ...r })), first: rows[0]?.block ?? null };
    },
  };
}

describe('search block cache', () => {
  it('reads only new blocks once full ones are cached, and always re-reads the open block', () => {
    const t = table([block(0, 'alpha'), block(1, 'beta'), block(2, 'alpha beta')]);
    const cache = new BlockCache(1 << 20);
    const alpha = needleBits('alpha');
    expect(cache.candidates(1, 0, 1000, alpha, t.load).map((b) => b.block)).toEqual([2, 0]);
    // The open block (2) fills up and block 3 starts: only those two are read.
    t.rows[2] = block(2, 'alpha beta gamma');
    t.rows.push(block(3, 'alphabet'));
    expect(cache.candidates(1, 0, 1000, alpha, t.load).map((b) => b.block)).toEqual([3, 2, 0]);
    expect(t.reads).toEqual([3, 2]);
  });

  it('keeps to the time range', () => {
    const t = table([block(0, 'alpha'), block(1, 'alpha'), block(2, 'alpha')]);
    const cache = new BlockCache(1 << 20);
    expect(cache.candidates(1, 10, 19, needleBits('alpha'), t.load).map((b) => b.block)).toEqual([1]);
  });

  it('drops blocks that the retention purge deleted from the table', () => {
    const t = table([block(0, 'alpha'), block(1, 'alpha'), block(2, 'alpha'), block(3, 'x')]);
    const cache = new BlockCache(1 << 20);
    expect(cache.candidates(1, 0, 1000, needleBits('alpha'), t.load).map((b) => b.block)).toEqual([2, 1, 0]);
    t.rows.splice(0, 2);
    expect(cache.candidates(1, 0, 1000, needleBits('alpha'), t.load).map((b) => b.block)).toEqual([2]);
    t.rows.splice(0, t.rows.length);
    expect(cache.candidates(1, 0, 1000, needleBits('alpha'), t.load)).toEqual([]);
  });

  it('evicts the least recently used org past its budget, and still answers for an org too big to keep', () => {
    const many = (text: string) => Array.from({ length: 5 }, (_, i) => block(i, text));
    const a = table(many('alpha'));
    const b = table(many('alpha'));
    const cache = new BlockCache(6 * (BLOCK_BYTES + 64));
    expect(cache.candidates(1, 0, 1000, needleBits('alpha'), a.load)).toHaveLength(5);
    expect(cache.candidates(2, 0, 1000, needleBits('alpha'), b.load)).toHaveLength(5);
    // Org 1 was evicted for org 2: it is read whole again.
    expect(cache.candidates(1, 0, 1000, needleBits('alpha'), a.load)).toHaveLength(5);
    expect(a.reads).toEqual([5, 5]);
    const huge = table(Array.from({ length: 20 }, (_, i) => block(i, 'alpha')));
    expect(cache.candidates(3, 0, 1000, needleBits('alpha'), huge.load)).toHaveLength(20);
    expect(cache.candidates(3, 0, 1000, needleBits('alpha'), huge.load)).toHaveLength(20);
    expect(huge.reads).toEqual([20, 20]);
  });

  it('read asynchronously: concurrent reads of one org cache each block once, and an org evicted meanwhile is read whole', async () => {
    const t = table([block(0, 'alpha'), block(1, 'alpha'), block(2, 'beta'), block(3, 'alpha')]);
    const cache = new BlockCache(1 << 20);
    const later = (after: number) =>
      new Promise<ReturnType<typeof t.load>>((r) => setTimeout(() => r(t.load(after)), 5));
    const [a, b] = await Promise.all([
      cache.candidatesAsync(1, 0, 1000, needleBits('alpha'), later),
      cache.candidatesAsync(1, 0, 1000, needleBits('alpha'), later),
    ]);
    expect(a.map((r) => r.block)).toEqual([3, 1, 0]);
    expect(b.map((r) => r.block)).toEqual([3, 1, 0]);
    // Both read everything; the blocks were kept once: the next query reads only the open one.
    expect(await cache.candidatesAsync(1, 0, 1000, needleBits('alpha'), later)).toHaveLength(3);
    expect(t.reads).toEqual([4, 4, 1]);

    // Org 1 is evicted by org 2 while a query of org 1 reads from block 2 on: it reads again from the start.
    const small = new BlockCache(3 * (BLOCK_BYTES + 64));
    const other = table([block(0, 'x'), block(1, 'x'), block(2, 'x'), block(3, 'x')]);
    expect(
      await small.candidatesAsync(1, 0, 1000, needleBits('alpha'), async (after) => t.load(after)),
    ).toHaveLength(3);
    const evicting = async (after: number) => {
      await small.candidatesAsync(2, 0, 1000, needleBits('x'), async (from) => other.load(from));
      return t.load(after);
    };
    expect(
      (await small.candidatesAsync(1, 0, 1000, needleBits('alpha'), evicting)).map((r) => r.block),
    ).toEqual([3, 1, 0]);
  });
});
