import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import {
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
} from 'kysely';

export interface ConnectionOptions {
  /** Page cache in MiB. */
  cacheMiB: number;
  /** Writers fsync at every commit; readers never write. */
  role: 'writer' | 'reader' | 'checkpointer';
}

/**
 * Pages of 16 KiB rather than SQLite's 4 KiB: an event row is about 1.3 KB, and with the larger
 * page a commit writes fewer pages to the WAL and splits fewer b-tree nodes (docs/benchmarks.md).
 */
const PAGE_SIZE = 16384;

/**
 * Every connection to the database file is opened here, so they agree on WAL, durability and
 * timeouts. Writers use synchronous=FULL: a commit is on disk before it returns. Automatic
 * checkpoints are off on writers: a separate thread checkpoints, so the ingest writer never
 * pays for copying the WAL back into the database.
 */
export function openConnection(path: string, options: ConnectionOptions): Database {
  const db = new BetterSqlite3(path);
  // Takes effect only when this connection creates the database; an existing file keeps its size.
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.pragma(`cache_size = ${-1024 * options.cacheMiB}`);
  if (options.role === 'writer') {
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('wal_autocheckpoint = 0');
    // A WAL that a busy spell grew is cut back to this size when it starts over.
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  }
  return db;
}

/**
 * Kysely's driver, except that it rolls back only a transaction that is still open. On some
 * errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY) SQLite has already rolled the transaction
 * back itself, and Kysely's ROLLBACK then failed with "cannot rollback - no transaction is
 * active", which replaced the error that said what went wrong (the disk is full).
 */
class GuardedSqliteDriver extends SqliteDriver {
  constructor(private readonly database: Database) {
    super({ database: preparingOnce(database) });
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.database.inTransaction) await super.rollbackTransaction(connection);
  }
}

/**
 * The connection as Kysely's driver sees it, with each statement text prepared once: Kysely
 * prepares every query it runs, and for the one-row writes made here (an alert, a cursor, a
 * checkpoint) preparing took about a third of the time. Queries on one connection run one at a
 * time (Kysely's mutex) and each runs to its end (nothing here streams through Kysely), so a
 * statement is never in use twice at once.
 */
function preparingOnce(database: Database): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        // Bounded: texts that vary (IN lists of any length) would otherwise pile up.
        if (statements.size >= 500) statements.clear();
        statements.set(sql, statement);
      }
      return statement;
    },
    close: () => database.close(),
  };
}

/** Kysely's SQLite dialect over one connection, with the guarded rollback and prepared statements above. */
export class GuardedSqliteDialect extends SqliteDialect {
  constructor(private readonly database: Database) {
    super({ database });
  }

  override createDriver(): Driver {
    return new GuardedSqliteDriver(this.database);
  }
}
