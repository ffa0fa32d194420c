import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from 'better-sqlite3';
import { Kysely, type SelectQueryBuilder, sql, type Transaction } from 'kysely';
import { AppError } from '../../domain/errors.js';
import type { StoredEvent } from '../../domain/event.js';
import type { EventFilter, EventQuery, ViewScope } from '../../domain/query.js';
import { type ActionCountTables, countActions } from '../action-count-sql.js';
import type { AlertReads } from '../alert-store.js';
import { BlockCache, DEFAULT_SEARCH_CACHE_MIB } from '../block-cache.js';
import { compiledOnce } from '../compiled-once.js';
import { consumersSql } from '../consumer-sql.js';
import type { ConsumerStore } from '../consumer-store.js';
import { toAppendRow } from '../event-row.js';
import { scopeTerms } from '../filter-sql.js';
import type { IdentityReads } from '../identity-store.js';
import { integritySql } from '../integrity-sql.js';
import { IntegrityStores } from '../integrity-stores.js';
import type { IntegrityTables } from '../integrity-tables.js';
import { migrateToLatest } from '../migrations/migrate.js';
import { readJsonPage, streamByPages, toPage } from '../paginate.js';
import { NO_PARTITIONS, type PartitionStore } from '../partition-store.js';
import { apiKeyFromRow, eventFromRow, orgFromRow } from '../rows.js';
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
import { streamsSql } from '../stream-sql.js';
import type { StreamStore } from '../stream-store.js';
import { startThread } from '../threads.js';
import type { ExportThreadData, ExportThreadMessage } from './export-thread.js';
import { SQLITE_MIGRATIONS } from './migrations/index.js';
import { packBatch } from './row-packing.js';
import { SqliteAppender } from './sqlite-append.js';
import { GuardedSqliteDialect, openConnection } from './sqlite-connection.js';
import { sqliteAlertReads, sqliteIdentityReads } from './sqlite-identity.js';
import { SQLITE_RETENTION, sqliteIntegrityConnection, walkPartsInThreads } from './sqlite-integrity.js';
import { SqliteReads, statementBuilder } from './sqlite-reads.js';
import type { SqliteTables } from './sqlite-schema.js';
import { cursorAfterRow, eventsThrough, planList } from './sqlite-search.js';
import { sqliteTx } from './sqlite-tx.js';
import { outcomeError, SqliteWriter } from './sqlite-writer.js';

/** Every API request asks this: built once, not per call. */
const keyByHash = compiledOnce((keyHash: string) =>
  statementBuilder().selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash),
);

export interface SqliteStoreOptions {
  /** Path of the database file. */
  path: string;
  /** Writer page cache in MiB: index pages stay hot while ingesting. */
  cacheMiB?: number;
  /** Events in one ingest transaction at most (appends queued behind a commit join the next). */
  maxCommitEvents?: number;
  /** WAL size past which the writer finishes a checkpoint so the WAL starts over (64 MiB). */
  walRestartBytes?: number;
  /**
   * Memory for the search blocks' bits in MiB (512): about 31 MiB per million events of the
   * orgs searched. An org whose blocks do not fit is searched from SQLite: 6 to 22 times slower
   * in the benchmarks of docs/benchmarks.md.
   */
  searchCacheMiB?: number;
}

/**
 * SQLite backend. Three connections to one WAL database file: the ingest writer on its own
 * thread (sqlite-writer.ts), a main-thread connection for Trailmark's own transactional writes
 * (taken only while the writer thread is paused), and a reader, so queries and exports never
 * wait for a commit. Commits are durable (synchronous=FULL) before anyone is answered.
 */
export class SqliteStore extends IntegrityStores implements AuditStore {
  readonly backend = 'sqlite' as const;
  private readonly path: string;
  private readonly cacheMiB: number;
  private readonly maxCommitEvents: number;
  private readonly walRestartBytes: number;
  readonly queuesAppends = true;
  readonly servedByOneProcess = true;
  /** Search blocks' bits in memory (see BlockCache). */
  private readonly blocks: BlockCache;
  /** The main thread's writing connection; write through `write()` or `transaction()` only. */
  private readonly main: Database;
  readonly reader: Database;
  /** Builds and runs statements on the main connection (Kysely transactions for `transaction()`). */
  readonly db: Kysely<SqliteTables>;
  /** Builds statements only; they run synchronously on the reader. */
  readonly builder: Kysely<SqliteTables>;
  private appender: SqliteAppender | undefined;
  private writer: SqliteWriter | undefined;
  private readonly reads: SqliteReads;
  readonly identity: IdentityReads;
  readonly alerts: AlertReads;
  readonly consumers: ConsumerStore;
  readonly streams: StreamStore;
  readonly partitions: PartitionStore = NO_PARTITIONS;

  constructor(options: SqliteStoreOptions) {
    super();
    if (options.path === ':memory:') throw new Error('SqliteStore needs a file: its connections share it');
    mkdirSync(dirname(options.path), { recursive: true });
    this.path = options.path;
    this.cacheMiB = options.cacheMiB ?? 128;
    this.maxCommitEvents = options.maxCommitEvents ?? 10_000;
    this.walRestartBytes = options.walRestartBytes ?? 64 * 1024 * 1024;
    this.blocks = new BlockCache((options.searchCacheMiB ?? DEFAULT_SEARCH_CACHE_MIB) * 1024 * 1024);
    this.main = openConnection(options.path, { cacheMiB: 16, role: 'writer' });
    // Small: the OS caches the file anyway, and list pages, search blocks (see BlockCache) and
    // exports read little twice; 64 MiB here only raised an export's peak memory by as much.
    this.reader = openConnection(options.path, { cacheMiB: 16, role: 'reader' });
    this.db = new Kysely<SqliteTables>({ dialect: new GuardedSqliteDialect(this.main) });
    this.builder = statementBuilder();
    this.reads = new SqliteReads(this.reader);
    this.identity = sqliteIdentityReads(this.reader);
    this.alerts = sqliteAlertReads(this.reader);
    // Integrity reads run on the reader; its writes take the main connection like every other.
    const integrity = sqliteIntegrityConnection(this.reads, (fn) =>
      this.write((trx) => fn(trx as unknown as Kysely<IntegrityTables>)),
    );
    Object.assign(this, integritySql(integrity, SQLITE_RETENTION, walkPartsInThreads(options.path)));
    this.consumers = consumersSql(integrity);
    this.streams = streamsSql(integrity);
  }

  searchCacheBytes(): number {
    return this.blocks.size;
  }

  async configurationWarnings(): Promise<string[]> {
    // What matters (WAL, statistics, page sizes) is set by Trailmark itself.
    return [];
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.db, SQLITE_MIGRATIONS);
    // Without statistics the planner picks the wrong index for actor and action filters.
    const stats = this.main.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").get();
    if (!stats) this.main.exec('ANALYZE');
    this.main.pragma('optimize');
    this.appender = new SqliteAppender(this.main);
    this.writer ??= new SqliteWriter({
      path: this.path,
      cacheMiB: this.cacheMiB,
      checkpointIntervalMs: 200,
      maxCommitEvents: this.maxCommitEvents,
      walFrames: new SharedArrayBuffer(4),
      walRestartBytes: this.walRestartBytes,
    });
  }

  async ping(options: { write?: boolean } = {}): Promise<void> {
    this.reader.prepare('SELECT 1').get();
    if (!options.write) return;
    // Setting the header's user_version to the value it holds commits a page to the WAL and
    // changes nothing: it fails as an ingest commit would while the disk is full.
    await this.write(async () => {
      const version = this.main.pragma('user_version', { simple: true }) as number;
      this.main.pragma(`user_version = ${version}`);
    });
  }

  async close(): Promise<void> {
    await this.writer?.close();
    try {
      this.main.pragma('optimize');
      this.main.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // closing anyway: the next open recovers from the WAL
    }
    this.reader.close();
    await this.db.destroy();
  }

  private started(): { appender: SqliteAppender; writer: SqliteWriter } {
    if (!this.appender || !this.writer) throw new Error('SqliteStore: migrate() must run before writes');
    return { appender: this.appender, writer: this.writer };
  }

  /**
   * Writes on the main connection while the ingest writer is paused, in one transaction. Every
   * main-thread write goes through here (or `transaction()`), never straight to `db`.
   */
  async write<T>(fn: (trx: Transaction<SqliteTables>) => Promise<T>): Promise<T> {
    const { writer } = this.started();
    return writer.withLock(() => this.db.transaction().execute(fn));
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const { appender } = this.started();
    return this.write((trx) => fn(sqliteTx(trx, appender)));
  }

  /** Not async: an async function would hold `batches`, every event of the commit, until it ends. */
  appendBatches(batches: AppendBatch[]): Promise<AppendOutcome[]> {
    if (!this.writer) return Promise.reject(new Error('SqliteStore: migrate() must run before writes'));
    return this.writer
      .append(batches.map((batch) => packBatch(batch.org, batch.events.map(toAppendRow))))
      .then((outcomes) =>
        outcomes.map((outcome) => (outcome.ok ? outcome : { ok: false, error: outcomeError(outcome) })),
      );
  }

  async getOrg(id: string): Promise<Org | undefined> {
    const [row] = this.reads.rows(this.builder.selectFrom('orgs').selectAll().where('id', '=', id));
    return row && orgFromRow(row);
  }

  async listOrgs(): Promise<Org[]> {
    return this.reads.rows(this.builder.selectFrom('orgs').selectAll().orderBy('created_at')).map(orgFromRow);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const [row] = this.reads.rows(keyByHash(keyHash));
    return row && apiKeyFromRow(row);
  }

  async hasDeploymentKey(): Promise<boolean> {
    const rows = this.reads.rows(
      this.builder.selectFrom('api_keys').select('id').where('org_id', 'is', null).limit(1),
    );
    return rows.length > 0;
  }

  async getEvent(org: string, id: string, scope?: ViewScope): Promise<StoredEvent | undefined> {
    const pk = this.reads.orgPk(org);
    if (pk === undefined) return undefined;
    const [row] = this.reads.rows(
      this.builder
        .selectFrom('events')
        .select(['body', 'prev_hash', 'hash'])
        .where('org_pk', '=', pk)
        .where('id', '=', id)
        .where((eb) => eb.and(scopeTerms(eb, scope))),
    );
    return row && eventFromRow(row);
  }

  async listEvents(org: string, query: EventQuery): Promise<EventPage> {
    const pk = this.reads.orgPk(org);
    if (pk === undefined) return { events: [], nextCursor: null };
    const rows = planList(this.builder, pk, query, (q) => this.reads.rows(q), this.blocks);
    return toPage(rows.map(eventFromRow), query.limit);
  }

  streamEvents(org: string, filter: EventFilter): AsyncIterable<StoredEvent> {
    return streamByPages((query) => this.listEvents(org, query), filter);
  }

  /**
   * The first page is read here; an export with more than that reads the rest on a thread of its
   * own (export-thread.ts), a page ahead of the caller formatting the page before. Starting a
   * thread costs more than a small export.
   */
  async *streamEventJsonPages(org: string, filter: EventFilter): AsyncIterable<string[]> {
    const pk = this.reads.orgPk(org);
    if (pk === undefined) return;
    const first = await readJsonPage(
      (query) => planList(this.builder, pk, query, (q) => this.reads.rows(q), this.blocks),
      cursorAfterRow,
      filter,
      undefined,
    );
    if (!first.next) {
      if (first.events.length > 0) yield first.events;
      return;
    }
    // Started before the first page goes out, so the thread is ready by the time it is sent.
    const thread = this.exportThread({ path: this.path, org, filter, after: first.next, ahead: 2 });
    try {
      yield first.events;
      yield* thread.pages();
    } finally {
      thread.stop();
    }
  }

  /** Starts an export thread; its pages as they arrive, each asking for one more. */
  private exportThread(data: ExportThreadData): { pages: () => AsyncGenerator<string[]>; stop: () => void } {
    // Small, to keep the export's memory small: see PAGE_ROWS in export-thread.ts.
    const worker = startThread(import.meta.url, 'export-thread', data, { maxYoungGenerationSizeMb: 8 });
    const arrived: ExportThreadMessage[] = [];
    let wake: (() => void) | undefined;
    const deliver = (message: ExportThreadMessage) => {
      arrived.push(message);
      wake?.();
    };
    worker.on('message', deliver);
    worker.on('error', (error) => deliver({ kind: 'failed', message: error.message }));
    worker.on('exit', () => deliver({ kind: 'failed', message: 'the export thread stopped' }));
    async function* pages(): AsyncGenerator<string[]> {
      for (;;) {
        while (arrived.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const message = arrived.shift()!;
        if (message.kind === 'done') return;
        if (message.kind === 'failed') throw new Error(`export failed: ${message.message}`);
        worker.postMessage('more');
        yield message.events;
      }
    }
    const stop = () => {
      worker.removeAllListeners();
      void worker.terminate();
    };
    return { pages, stop };
  }

  async listActions(org: string, filter: Pick<EventFilter, 'from' | 'to' | 'scope'>): Promise<ActionCount[]> {
    const pk = this.reads.orgPk(org);
    if (pk === undefined) return [];
    const scoped = filter.scope?.workspace !== undefined || filter.scope?.actor !== undefined;
    if (!scoped) {
      const db = this.builder as unknown as Kysely<ActionCountTables>;
      const events = () =>
        this.builder.selectFrom(eventsThrough('events_action')) as unknown as SelectQueryBuilder<
          ActionCountTables,
          'events',
          object
        >;
      return countActions(
        db,
        (query) => this.reads.rows(query),
        pk,
        filter.from,
        filter.to,
        (ms) => ms,
        events,
      );
    }
    // A viewer's scope is not in the counts: count its events (few, by the scope's nature).
    return this.reads.rows(
      this.builder
        .selectFrom('events')
        .select(['events.action', sql<number>`count(*)`.as('count')])
        .where('events.org_pk', '=', pk)
        .where('events.occurred_at', '>=', filter.from)
        .where('events.occurred_at', '<=', filter.to)
        .where((eb) => eb.and(scopeTerms(eb, filter.scope)))
        .groupBy('events.action')
        .orderBy('count', 'desc')
        .orderBy('events.action'),
    );
  }

  async chainHead(org: string): Promise<ChainHead> {
    const [row] = this.reads.rows(
      this.builder.selectFrom('orgs').select(['head_seq', 'head_hash']).where('id', '=', org),
    );
    if (!row) throw new AppError('not_found', `organization ${org} does not exist`);
    return { seq: row.head_seq, hash: row.head_hash };
  }

  async *streamChain(org: string, fromSeq = 1): AsyncIterable<StoredEvent> {
    const pk = this.reads.orgPk(org);
    if (pk === undefined) return;
    let next = fromSeq;
    for (;;) {
      const rows = this.reads.rows(
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
