import { isoTime } from './identity-tables.js';

/**
 * A record kept in one row, described once, column by column: how each member is stored (as
 * is, a 0/1 flag, JSON text, a time), from which both directions follow. The same form on both
 * backends, as the SQL written once for both takes it.
 */

/** How one member is kept in its column: read from the row, written into it. */
export interface Codec<V, C> {
  read: (column: C) => V;
  write: (value: V) => C;
}

/** Text or a value kept as is; read as the record's narrower type (an enum's string). */
export const plain = <V extends C, C = V>(): Codec<V, C> => ({ read: (c) => c as V, write: (v) => v });

export const flag: Codec<boolean, number> = { read: (c) => Number(c) === 1, write: (v) => (v ? 1 : 0) };

/** ISO text in, ISO text out, whatever the driver read (text or Date). */
export const time: Codec<string, string | Date> = { read: (c) => isoTime(c), write: (v) => v };

export const json = <V>(): Codec<V, string> => ({
  read: (c) => JSON.parse(c) as V,
  write: (v) => JSON.stringify(v),
});

export const orNull = <V, C>(codec: Codec<V, C>): Codec<V | null, C | null> => ({
  read: (c) => (c === null ? null : codec.read(c)),
  write: (v) => (v === null ? null : codec.write(v)),
});

/** The column a member is kept in: the org's id in `org_id`, every other under its own name. */
type ColumnOf<K> = K extends 'org' ? 'org_id' : K;
const columnOf = (member: string) => (member === 'org' ? 'org_id' : member);

/** One codec per member of record R, each typed by the column of row T it is kept in. */
export type Codecs<R, T> = { [K in keyof R]-?: Codec<R[K], T[ColumnOf<K> & keyof T]> };

export interface RowMapping<R, T> {
  fromRow(row: T): R;
  toRow(record: R): T;
}

/** The two directions of a record's codecs; members and columns in the order the codecs list. */
export function rowMapping<R, T>(codecs: Codecs<R, T>): RowMapping<R, T> {
  const members = Object.entries(codecs) as [string, Codec<unknown, unknown>][];
  return {
    fromRow: (row) => {
      const columns = row as Record<string, unknown>;
      const record: Record<string, unknown> = {};
      for (const [member, codec] of members) record[member] = codec.read(columns[columnOf(member)]);
      return record as R;
    },
    toRow: (record) => {
      const values = record as Record<string, unknown>;
      const row: Record<string, unknown> = {};
      for (const [member, codec] of members) row[columnOf(member)] = codec.write(values[member]);
      return row as T;
    },
  };
}
