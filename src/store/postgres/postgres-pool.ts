import pg from 'pg';

const INT8_OID = 20;
const TIMESTAMPTZ_OID = 1184;

const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (value: string) => Date;

/**
 * Per-pool type parsers (pg's global ones are left alone for other users in the process):
 * bigint as a JavaScript number (sequence numbers and counts stay far below 2^53), timestamptz
 * as an ISO 8601 string, the form the rest of Trailmark and the SQLite backend use.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (format !== 'binary') {
      if (oid === INT8_OID) return (value: string) => Number(value);
      if (oid === TIMESTAMPTZ_OID) return (value: string) => parseTimestamptz(value).toISOString();
    }
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, types, application_name: 'trailmark' });
  // An idle client losing its connection (server restart) must not crash the process; the pool
  // drops it and the next query opens a new one.
  pool.on('error', () => {});
  // A client checked out of the pool (a transaction, the group commit, a chain walk) has no
  // listener of pg-pool's: when its connection ends under a query (the server stopped), pg
  // rejects the query and also emits 'error', which without a listener ends the process. The
  // rejection carries the failure; the pool discards the client on release (no longer queryable).
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}
