import type { ColumnDataType } from 'kysely';

/**
 * What the two backends call the same kind of column, so that tables both declare alike are
 * written once (identity-schema.ts, integrity-schema.ts). SQLite stores any integer in INTEGER
 * and times as ISO 8601 text; PostgreSQL has bigint, timestamptz and jsonb.
 */
export interface ColumnTypes {
  /** Sequence numbers and counts that outgrow 32 bits. */
  bigint: ColumnDataType;
  /** A point in time. */
  time: ColumnDataType;
  /** A JSON document. */
  json: ColumnDataType;
  /** SQLite keeps tables keyed by their primary key alone WITHOUT ROWID: one b-tree, not two. */
  withoutRowid: boolean;
}
