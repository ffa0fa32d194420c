import type { ColumnTypes } from '../../migrations/column-types.js';

export const POSTGRES_TYPES: ColumnTypes = {
  bigint: 'bigint',
  time: 'timestamptz',
  json: 'jsonb',
  withoutRowid: false,
};
