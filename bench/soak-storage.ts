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
