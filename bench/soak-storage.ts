import { statSync } from 'node:fs';

export interface StorageProbe {
  /** Bytes of the database on disk; `wal`: SQLite's WAL file now, or PostgreSQL's WAL written since the probe began. */
  read(): Promise<{ database: number; wal: number }>;
  close(): Promise<void>;
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * How much the soak's database holds: the SQLite file and its WAL, or PostgreSQL's
 * `pg_database_size` and the WAL position's advance (which counts the whole cluster's writes:
 * on a shared server, other databases' too).
 */
export async function storageProbe(databaseUrl: string): Promise<StorageProbe> {
  if (!/^postgres(ql)?:/.test(databaseUrl)) {
    return {
      read: async () => ({ database: size(databaseUrl), wal: size(`${databaseUrl}-wal`) }),
      close: async () => {},
    };
  }
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const start = (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!
    .lsn;
  return {
    read: async () => {
      const { rows } = await client.query<{ database: string; wal: string }>(
        'SELECT pg_database_size(current_database())::text AS database, pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::text AS wal',
        [start],
      );
      return { database: Number(rows[0]!.database), wal: Number(rows[0]!.wal) };
    },
    close: () => client.end(),
  };
}

/**
 * On a PostgreSQL cluster with autovacuum off (as on the machine the figures were measured on),
 * ANALYZE events every minute, as autovacuum's analyses would on a cluster set up as
 * documented: without statistics the filtered lists read their whole window (the server warns
 * at start), and the soak would measure that instead of the requests. Answers its stop.
 */
export async function analyzeLikeAutovacuum(databaseUrl: string): Promise<() => Promise<void>> {
  if (!/^postgres(ql)?:/.test(databaseUrl)) return async () => {};
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ on: boolean }>("SELECT current_setting('autovacuum')::boolean AS on");
  if (rows[0]?.on) {
    await client.end();
    return async () => {};
  }
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = client.query('ANALYZE events').catch(() => {});
  }, 60_000);
  return async () => {
    clearInterval(timer);
    await running;
    await client.end();
  };
}
