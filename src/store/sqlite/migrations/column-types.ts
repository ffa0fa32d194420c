import type { ColumnTypes } from '../../migrations/column-types.js';

export const SQLITE_TYPES: ColumnTypes = {
  bigint: 'integer',
  time: 'text',
  json: 'text',
  withoutRowid: true,
};
