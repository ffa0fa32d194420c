import { describe, expect, it } from 'vitest';
import { binaryChunks, type CopyColumns, textChunks } from '../../src/store/postgres/postgres-copy.js';
import type { EventRow } from '../../src/store/postgres/postgres-insert.js';

const COLUMNS: CopyColumns = [
  ['seq', 'bigint'],
  ['workspace', 'text'],
  ['action', 'text'],
];

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const TRAILER = Buffer.from([0xff, 0xff]);

function rows(n: number): EventRow[] {
  return Array.from(
    { length: n },
    (_, i) => ({ seq: i + 1, action: `a\t${i}`, workspace: null }) as EventRow,
  );
}

describe('COPY encodings', () => {
  it('text: one chunk per run of rows, each row a line of escaped values', () => {
    const chunks = [...textChunks(COLUMNS, rows(5), 2)];
    expect(chunks).toEqual([
      '1\t\\N\ta\\t0\n2\t\\N\ta\\t1\n',
      '3\t\\N\ta\\t2\n4\t\\N\ta\\t3\n',
      '5\t\\N\ta\\t4\n',
    ]);
  });

  it('binary: the header opens only the first chunk and the trailer closes only the last', () => {
    const chunks = [...binaryChunks(COLUMNS, rows(5), 2)];
    expect(chunks).toHaveLength(3);
    const starts = chunks.map((c) => c.subarray(0, SIGNATURE.length).equals(SIGNATURE));
    const ends = chunks.map((c) => c.subarray(c.length - 2).equals(TRAILER));
    expect(starts).toEqual([true, false, false]);
    expect(ends).toEqual([false, false, true]);
    // Each row: a field count, then per field its length (-1 for null) and its bytes.
    const row = Buffer.concat([
      Buffer.from([0, 3]),
      Buffer.from([0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 3]),
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0, 0, 0, 3]),
      Buffer.from('a\t2'),
    ]);
    expect(chunks[1]!.subarray(0, row.length).equals(row)).toBe(true);
  });

  it('a single chunk carries both the header and the trailer; no rows, no chunk', () => {
    const [only, ...rest] = [...binaryChunks(COLUMNS, rows(2), 10)];
    expect(rest).toEqual([]);
    expect(only!.subarray(0, SIGNATURE.length).equals(SIGNATURE)).toBe(true);
    expect(only!.subarray(only!.length - 2).equals(TRAILER)).toBe(true);
    expect([...binaryChunks(COLUMNS, [], 10)]).toEqual([]);
    expect([...textChunks(COLUMNS, [], 10)]).toEqual([]);
  });
});
