import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { type Compilable, Kysely, type Migration, Migrator, SqliteDialect, sql } from 'kysely';
import { AppError } from '../../domain/errors.js';
import type { StoredEvent } from '../../domain/event.js';
import type { EventFilter, EventQuery } from '../../domain/query.js';
import { filterTerms } from '../filter-sql.js';
import { streamByPages, toPage } from '../paginate.js';
import type {
  ActionCount,
  ApiKeyRecord,
  AppendBatch,
  AppendOutcome,
  AuditStore,
  ChainHead,
  EventPage,
  Org,
  StoreTx,
} from '../store.js';
import { SQLITE_MIGRATIONS } from './migrations/index.js';
import { SqliteAppender } from './sqlite-append.js';
import { eventFromRow, keyFromRow, orgFromRow } from './sqlite-rows.js';
import type { SqliteTables } from './sqlite-schema.js';
import { planSearch } from './sqlite-search.js';
import { sqliteTx } from './sqlite-tx.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' (tests of pure logic only; the contract suite uses files). */
  path: string;
  /** Writer page cache in MiB: index pages stay hot while ingesting. */
  cacheMiB?: number;
}

/**
 * SQLite backend: one writer connection (WAL, synchronous=FULL, so a commit is on disk before
 * it returns) and one reader connection, so queries and exports never wait for a group commit.
 */
export class SqliteStore implements AuditStore {
  readonly backend = 'sqlite' as const;
  readonly writer: Database;
  readonly reader: Database;
  /** Builds and runs statements on the writer; its transactions hold the writer exclusively. */
  readonly db: Kysely<SqliteTables>;
  /** Builds statements only; they run synchronously on the reader. */
  private readonly builder: Kysely<SqliteTables>;
  private appender: SqliteAppender | undefined;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.writer = new BetterSqlite3(options.path);
    this.writer.pragma('journal_mode = WAL');
    this.writer.pragma('synchronous = FULL');
    this.writer.pragma('foreign_keys = ON');
    this.writer.pragma('busy_timeout = 5000');
    this.writer.pragma(`cache_size = ${-1024 * (options.cacheMiB ?? 128)}`);
    // Checkpoints run from the writer between commits; a larger threshold batches them.
    this.writer.pragma('wal_autocheckpoint = 10000');
    this.reader = options.path === ':memory:' ? this.writer : new BetterSqlite3(options.path);
    this.reader.pragma('busy_timeout = 5000');
    this.reader.pragma('cache_size = -32768');
    this.db = new Kysely<SqliteTables>({ dialect: new SqliteDialect({ database: this.writer }) });
    this.builder = new Kysely<SqliteTables>({
      dialect: new SqliteDialect({ database: async () => Promise.reject(new Error('build only')) }),
    });
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async (): Promise<Record<string, Migration>> => SQLITE_MIGRATIONS },
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
    // Without statistics the planner picks the wrong index for actor and action filters.
    const stats = this.writer.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").get();
    if (!stats) this.writer.exec('ANALYZE');
    this.writer.pragma('optimize');
    this.appender = new SqliteAppender(this.writer);
  }

  /** Refreshes planner statistics; cheap, run periodically and after bulk loads. */
  optimize(): void {
    this.writer.pragma('optimize');
  }

  async ping(): Promise<void> {
    this.reader.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    try {
      this.writer.pragma('optimize');
    } catch {
      // closing anyway
    }
    if (this.reader !== this.writer) this.reader.close();
    await this.db.destroy();
  }

  private rows<R>(query: Compilable<R>): R[] {
    const compiled = query.compile();
    let statement = this.statements.get(compiled.sql);
    if (!statement) {
      statement = this.reader.prepare(compiled.sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(compiled.sql, statement);
    }
    return statement.all(...(compiled.parameters as unknown[])) as R[];
  }

  private requireAppender(): SqliteAppender {
    if (!this.appender) throw new Error('SqliteStore: migrate() must run before writes');
    return this.appender;
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const appender = this.requireAppender();
    return this.db.transaction().execute(async (trx) => fn(sqliteTx(trx, appender)));
  }

  async appendBatches(batches: AppendBatch[]): Promise<AppendOutcome[]> {
    const appender = this.requireAppender();
    return this.db.transaction().execute(async () => appender.appendAll(batches));
  }

  async getOrg(id: string): Promise<Org | undefined> {
    const [row] = this.rows(this.builder.selectFrom('orgs').selectAll().where('id', '=', id));
    return row && orgFromRow(row);
  }

  async listOrgs(): Promise<Org[]> {
    return this.rows(this.builder.selectFrom('orgs').selectAll().orderBy('created_at')).map(orgFromRow);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const [row] = this.rows(this.builder.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash));
    return row && keyFromRow(row);
  }

  async hasDeploymentKey(): Promise<boolean> {
    const rows = this.rows(
      this.builder.selectFrom('api_keys').select('id').where('org_id', 'is', null).limit(1),
    );
    return rows.length > 0;
  }

  private orgPk(org: string): number | undefined {
    const [row] = this.rows(this.builder.selectFrom('orgs').select('pk').where('id', '=', org));
    return row?.pk;
  }

  async getEvent(org: string, id: string): Promise<StoredEvent | undefined> {
    const pk = this.orgPk(org);
    if (pk === undefined) return undefined;
    const [row] = this.rows(
      this.builder
        .selectFrom('events')
        .select(['body', 'prev_hash', 'hash'])
        .where('org_pk', '=', pk)
        .where('id', '=', id),
    );
    return row && eventFromRow(row);
  }

  async listEvents(org: string, query: EventQuery): Promise<EventPage> {
    const pk = this.orgPk(org);
    if (pk === undefined) return { events: [], nextCursor: null };
    const base = this.builder
      .selectFrom('events')
      .select(['events.body', 'events.prev_hash', 'events.hash'])
      .where('events.org_pk', '=', pk)
      .where((eb) => eb.and(filterTerms(eb, query, query.cursor)))
      .orderBy('events.occurred_at', 'desc')
      .orderBy('events.seq', 'desc');
    const rows = query.q
      ? planSearch(base, query, (q) => this.rows(q))
      : this.rows(base.limit(query.limit + 1));
    return toPage(rows.map(eventFromRow), query.limit);
  }

  streamEvents(org: string, filter: EventFilter): AsyncIterable<StoredEvent> {
    return streamByPages((query) => this.listEvents(org, query), filter);
  }

  async listActions(org: string, filter: Pick<EventFilter, 'from' | 'to'>): Promise<ActionCount[]> {
    const pk = this.orgPk(org);
    if (pk === undefined) return [];
    return this.rows(
      this.builder
        .selectFrom('events')
        .select(['action', sql<number>`count(*)`.as('count')])
        .where('org_pk', '=', pk)
        .where('occurred_at', '>=', filter.from)
        .where('occurred_at', '<=', filter.to)
        .groupBy('action')
        .orderBy('count', 'desc')
        .orderBy('action'),
    );
  }

  async chainHead(org: string): Promise<ChainHead> {
    const [row] = this.rows(
      this.builder.selectFrom('orgs').select(['head_seq', 'head_hash']).where('id', '=', org),
    );
    if (!row) throw new AppError('not_found', `organization ${org} does not exist`);
    return { seq: row.head_seq, hash: row.head_hash };
  }

  async *streamChain(org: string, fromSeq = 1): AsyncIterable<StoredEvent> {
    const pk = this.orgPk(org);
    if (pk === undefined) return;
    let next = fromSeq;
    for (;;) {
      const rows = this.rows(
        this.builder
          .selectFrom('events')
          .select(['seq', 'body', 'prev_hash', 'hash'])
          .where('org_pk', '=', pk)
          .where('seq', '>=', next)
          .orderBy('seq')
          .limit(2000),
      );
      for (const row of rows) yield eventFromRow(row);
      if (rows.length < 2000) return;
      next = rows[rows.length - 1]!.seq + 1;
    }
  }
}
