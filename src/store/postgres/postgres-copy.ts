import type { EventRow } from './postgres-insert.js';

/**
 * The two encodings of `COPY events FROM STDIN`: text (PostgreSQL parses each value from its
 * text form) and binary (values in their stored form: lengths instead of escapes, integers and
 * times as numbers). Both yield chunks of at most `chunk` rows.
 */
export type CopyFormat = 'text' | 'binary';

type ColumnType = 'integer' | 'bigint' | 'text' | 'timestamptz';

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** A value in COPY's text format: NULL is \N; backslash, tab, newline and CR are escaped. */
function copyValue(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : value;
}

/** The columns a COPY writes, in order, each with the type it is written as. */
export type CopyColumns = readonly (readonly [keyof EventRow, ColumnType])[];

interface Run {
  rows: EventRow[];
  first: boolean;
  last: boolean;
}

/** The rows in runs of at most `chunk`, one COPY write each. */
function* runsOf(rows: EventRow[], chunk: number): Generator<Run> {
  for (let start = 0; start < rows.length; start += chunk) {
    yield { rows: rows.slice(start, start + chunk), first: start === 0, last: start + chunk >= rows.length };
  }
}

export function* textChunks(columns: CopyColumns, rows: EventRow[], chunk: number): Generator<string> {
  for (const run of runsOf(rows, chunk)) {
    let text = '';
    for (const row of run.rows) {
      let line = '';
      for (let i = 0; i < columns.length; i++) line += (i ? '\t' : '') + copyValue(row[columns[i]![0]]);
      text += `${line}\n`;
    }
    yield text;
  }
}

/** PGCOPY\n\377\r\n\0, then flags and the header extension's length (both 0). */
const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
const HEADER = Buffer.concat([SIGNATURE, Buffer.alloc(8)]);
/** A field count of -1 ends the data. */
const TRAILER = Buffer.from([0xff, 0xff]);
/** PostgreSQL's epoch (2000-01-01T00:00:00Z) in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 2 ** 32;

/** A signed 64-bit integer exact up to 2^53, written without BigInt. */
function writeInt64(buf: Buffer, value: number, at: number): number {
  const high = Math.floor(value / TWO_32);
  buf.writeInt32BE(high, at);
  buf.writeUInt32BE(value - high * TWO_32, at + 4);
  return at + 8;
}

function writeField(buf: Buffer, type: ColumnType, value: string | number | null, at: number): number {
  if (value === null) {
    buf.writeInt32BE(-1, at);
    return at + 4;
  }
  switch (type) {
    case 'integer':
      buf.writeInt32BE(4, at);
      buf.writeInt32BE(value as number, at + 4);
      return at + 8;
    case 'bigint':
      buf.writeInt32BE(8, at);
      return writeInt64(buf, value as number, at + 4);
    case 'timestamptz': {
      // Microseconds since PostgreSQL's epoch (integer datetimes, the only kind since 10).
      const ms = typeof value === 'number' ? value : Date.parse(value);
      buf.writeInt32BE(8, at);
      return writeInt64(buf, (ms - PG_EPOCH_MS) * 1000, at + 4);
    }
    default: {
      const written = buf.write(value as string, at + 4, 'utf8');
      buf.writeInt32BE(written, at);
      return at + 4 + written;
    }
  }
}

/** An upper bound of a row's encoded size: 3 bytes per UTF-16 unit covers any text. */
function boundOf(columns: CopyColumns, row: EventRow): number {
  let size = 2;
  for (const [name] of columns) {
    const value = row[name];
    size += 4 + (typeof value === 'string' ? value.length * 3 : 8);
  }
  return size;
}

export function* binaryChunks(columns: CopyColumns, rows: EventRow[], chunk: number): Generator<Buffer> {
  for (const { rows: part, first, last } of runsOf(rows, chunk)) {
    let bound = first ? HEADER.length : 0;
    for (const row of part) bound += boundOf(columns, row);
    if (last) bound += TRAILER.length;
    const buf = Buffer.allocUnsafe(bound);
    let at = first ? HEADER.copy(buf, 0) : 0;
    for (const row of part) {
      buf.writeInt16BE(columns.length, at);
      at += 2;
      for (const [name, type] of columns) at = writeField(buf, type, row[name], at);
    }
    if (last) at += TRAILER.copy(buf, at);
    yield buf.subarray(0, at);
  }
}
