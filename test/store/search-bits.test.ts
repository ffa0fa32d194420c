import { describe, expect, it } from 'vitest';
import {
  addTextBits,
  addToBlock,
  BLOCK_BYTES,
  type BlockEntry,
  emptyBlock,
  hasAllBits,
  needleBits,
  valueBits,
} from '../../src/store/search-bits.js';

/**
 * The writer sets a block's bits in one pass per position (addTextBits); a search asks for the
 * bits of its needle gram by gram (needleBits). They must agree exactly, or a block holding a
 * value would be skipped.
 */
describe('search bits', () => {
  const setBits = (bits: Uint8Array) => {
    const out: number[] = [];
    for (let i = 0; i < bits.length * 8; i++) if (bits[i >>> 3]! & (1 << (i & 7))) out.push(i);
    return out;
  };

  it('sets for a text exactly the bits a search for the whole text asks for', () => {
    const alphabet = 'ab0123 _.@\nécd€😀';
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let n = 0; n < 400; n++) {
      const length = n < 20 ? n : Math.floor(random() * 60);
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      const bits = new Uint8Array(BLOCK_BYTES);
      addTextBits(bits, text);
      expect(setBits(bits), JSON.stringify(text)).toEqual(
        [...new Set(needleBits(text))].sort((a, b) => a - b),
      );
    }
  });

  it('admits a block for every substring of its texts; a 7-gram tells apart what shorter grams do not', () => {
    const bits = new Uint8Array(BLOCK_BYTES);
    for (const text of ['created document 3001\n', 'user 3000\n', 'ws_ocument\n']) addTextBits(bits, text);
    for (const needle of ['document 3001', 'ment 30', 'user 3', '3001\n', 'ws_o']) {
      expect(hasAllBits(bits, needleBits(needle)), needle).toBe(true);
    }
    // Every 3-gram and 5-gram of "nt 3000" is in the block (each 5 code units of it are), its
    // 7-gram is not: no text holds it.
    const needle = 'nt 3000';
    for (let i = 0; i + 5 <= needle.length; i++) {
      expect(hasAllBits(bits, needleBits(needle.slice(i, i + 5)))).toBe(true);
    }
    expect(hasAllBits(bits, needleBits(needle))).toBe(false);
  });

  it('marks whole values: a filter on a value admits the blocks holding it, not those holding a longer one', () => {
    const entry = (resourceId: string, workspace: string | null, ip: string | null): BlockEntry => ({
      searchText: `did things\n${resourceId.toLowerCase()}\n${workspace?.toLowerCase() ?? ''}\n`,
      ip,
      resourceId,
      workspace,
      occurredAt: 0,
    });
    const holding = emptyBlock(0);
    addToBlock(holding, entry('Document_777', 'WS_7', '10.0.0.1'));
    // Values that go on after it, and values that start before it (a block holding both kinds
    // has both ends, and is admitted: its rows are then tested).
    const after = emptyBlock(1);
    addToBlock(after, entry('document_7771', 'ws_77', '10.0.0.17'));
    const before = emptyBlock(1);
    addToBlock(before, entry('x_document_777', 'aws_7', '110.0.0.1'));
    for (const value of ['document_777', 'ws_7', '10.0.0.1']) {
      expect(hasAllBits(holding.bits, valueBits(value)), value).toBe(true);
      for (const longer of [after, before]) {
        expect(hasAllBits(longer.bits, valueBits(value)), value).toBe(false);
        // As a substring, it is in both.
        expect(hasAllBits(longer.bits, needleBits(value)), value).toBe(true);
      }
    }
    // Values of one and two characters are marked whole too.
    const short = emptyBlock(2);
    addToBlock(short, entry('a', 'bc', null));
    expect(hasAllBits(short.bits, valueBits('a'))).toBe(true);
    expect(hasAllBits(short.bits, valueBits('bc'))).toBe(true);
    expect(hasAllBits(short.bits, valueBits('b'))).toBe(false);
  });
});
