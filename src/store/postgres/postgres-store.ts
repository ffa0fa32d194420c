import { type Expression, type ExpressionBuilder, Kysely, PostgresDialect, type SqlBool, sql } from 'kysely';
import type pg from 'pg';
import { AppError } from '../../domain/errors.js';
import type { StoredEvent } from '../../domain/event.js';
import type { Cursor, EventFilter, EventQuery, ViewScope } from '../../domain/query.js';
import { type ActionCountTables, countActions } from '../action-count-sql.js';
import { type AlertTables, alertReads } from '../alert-sql.js';
import type { AlertReads } from '../alert-store.js';
import { BlockCache, DEFAULT_SEARCH_CACHE_MIB } from '../block-cache.js';
import { consumersSql } from '../consumer-sql.js';
import type { ConsumerStore } from '../consumer-store.js';
import type { EventTextRow } from '../event-row.js';
import { type FilterableEvents, filterTerms, scopeTerms } from '../filter-sql.js';
import { identityReads } from '../identity-sql.js';
import type { IdentityReads } from '../identity-store.js';
import type { IdentityTables } from '../identity-tables.js';
import { integritySql } from '../integrity-sql.js';
import { IntegrityStores } from '../integrity-stores.js';
import type { IntegrityTables } from '../integrity-tables.js';
import { migrateToLatest } from '../migrations/migrate.js';
import { hasNul } from '../nul.js';
import { streamByPages, streamJsonPages, toPage } from '../paginate.js';
import type { PartitionStore } from '../partition-store.js';
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
import { POSTGRES_MIGRATIONS } from './migrations/index.js';
import { appendBatches, prepareBatches } from './postgres-append.js';
import { clientConnection, DEFAULT_WRITE, type WriteMethod } from './postgres-insert.js';
import {
  POSTGRES_RETENTION,
  postgresIntegrityConnection,
  walkPartsInSnapshots,
} from './postgres-integrity.js';
import { postgresPartitions } from './postgres-partitions.js';
import { createPool } from './postgres-pool.js';
import type { PgTables } from './postgres-schema.js';
import { searchRows } from './postgres-search.js';
import { OpenBlockMemo } from './postgres-search-blocks.js';
import { postgresTx } from './postgres-tx.js';

/** Orgs whose key a process keeps (about 100 bytes each). */
const REMEMBERED_ORG_KEYS = 100_000;

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database` */
  connectionString: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** How the group commit writes its rows (benchmarks compare them; default DEFAULT_WRITE). */
  writeMethod?: WriteMethod;
  /** Memory for the search blocks' bits, in MiB (see BlockCache; default DEFAULT_SEARCH_CACHE_MIB). */
  searchCacheMiB?: number;
}

const CHAIN_CHUNK = 2000;
/**
 * Times go to PostgreSQL as ISO strings, clamped to years 1..9999: timestamptz cannot hold every
 * JavaScript time (a cursor may carry any 16 digits), and no event lies outside that range.
 */
const MIN_TIME = -62135596800000; // 0001-01-01T00:00:00.000Z
const MAX_TIME = 253402300799999; // 9999-12-31T23:59:59.999Z

function timestamp(ms: number): string {
  return new Date(Math.min(MAX_TIME, Math.max(MIN_TIME, ms))).toISOString();
}

function filterHasNul(f: EventFilter): boolean {
  return hasNul(
    f.actor,
    f.actions,
    f.actionPrefixes,
    f.resourceType,
    f.resourceId,
    f.workspace,
    f.ip,
    f.q,
    f.scope?.workspace,
    f.scope?.actor,
  );
}

/**
 * PostgreSQL backend: a `pg` pool under Kysely. Any number of Trailmark processes can share one
 * database: appends lock the org rows they extend, reads need no coordination. Every commit is
 * durable when it returns (synchronous_commit is left at its default, on).
 */
export class PostgresStore extends IntegrityStores implements AuditStore {
  readonly backend = 'postgres' as const;
  readonly queuesAppends = false;
  readonly servedByOneProcess = false;
  readonly pool: pg.Pool;
  /** Connections for the group commit only (one commit runs at a time per process). */
  private readonly appendPool: pg.Pool;
  private readonly writeMethod: WriteMethod;
  /** Search blocks' bits in memory (see BlockCache). */
  private readonly blocks: BlockCache;
  /** The open search block of the orgs this process appended to last (see OpenBlockMemo). */
  private readonly openBlocks = new OpenBlockMemo();
  /** Org ids and their keys, as orgPk found them. */
  private readonly orgPks = new Map<string, number>();
  readonly db: Kysely<PgTables>;
  readonly identity: IdentityReads;
  readonly alerts: AlertReads;
  readonly consumers: ConsumerStore;
  readonly streams: StreamStore;
  readonly partitions: PartitionStore;

  constructor(options: PostgresStoreOptions) {
    super();
    this.pool = createPool(options.connectionString, options.poolSize ?? 10);
    this.appendPool = createPool(options.connectionString, 2);
    this.writeMethod = options.writeMethod ?? DEFAULT_WRITE;
    this.blocks = new BlockCache((options.searchCacheMiB ?? DEFAULT_SEARCH_CACHE_MIB) * 1024 * 1024);
    this.db = new Kysely<PgTables>({ dialect: new PostgresDialect({ pool: this.pool }) });
    this.identity = identityReads(this.db as unknown as Kysely<IdentityTables>);
    this.alerts = alertReads(this.db as unknown as Kysely<AlertTables>);
    const integrityDb = this.db as unknown as Kysely<IntegrityTables>;
    const integrity = postgresIntegrityConnection(integrityDb, this.pool);
    const walkParts = walkPartsInSnapshots(this.pool, integrityDb);
    Object.assign(this, integritySql(integrity, POSTGRES_RETENTION, walkParts));
    this.consumers = consumersSql(integrity);
    this.streams = streamsSql(integrity);
    this.partitions = postgresPartitions(this.pool);
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.db, POSTGRES_MIGRATIONS);
  }

  searchCacheBytes(): number {
    return this.blocks.size;
  }

  async configurationWarnings(): Promise<string[]> {
    // Without statistics the planner reads every event of a filter's window (360 ms for
    // 580,000) where the newest page takes 2 ms: autovacuum's ANALYZE is what keeps them.
    const { rows } = await sql<{ on: boolean }>`SELECT current_setting('autovacuum')::boolean AS on`.execute(
      this.db,
    );
    if (rows[0]?.on) return [];
    return [
      "PostgreSQL's autovacuum is off: without fresh statistics filtered lists read every event of their window; turn it on, or run ANALYZE events regularly",
    ];
  }

  async ping(options: { write?: boolean } = {}): Promise<void> {
    // txid_current() makes the statement a transaction that writes its commit to the WAL.
    if (options.write) await sql`SELECT txid_current()`.execute(this.db);
    else await sql`SELECT 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.appendPool.end();
    await this.db.destroy();
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(postgresTx(trx)));
  }

  /**
   * The group commit runs on a pooled client rather than a Kysely transaction, so that large
   * commits go in by COPY (see postgres-insert.ts), from a pool of its own, so that a commit never
   * queues behind the reads of the requests it is about to answer.
   */
  async appendBatches(batches: AppendBatch[]): Promise<AppendOutcome[]> {
    if (batches.length === 0) return [];
    // Canonical text and columns are computed before the transaction: the org locks it takes
    // are then held only for the database work.
    const prepared = prepareBatches(batches);
    const client = await this.appendPool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const outcomes = await appendBatches(
        clientConnection(client, this.writeMethod),
        prepared,
        this.openBlocks,
      );
      await client.query('COMMIT');
      return outcomes;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError; // the connection is unusable: the pool discards it
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async getOrg(id: string): Promise<Org | undefined> {
    if (hasNul(id)) return undefined;
    const row = await this.db.selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && orgFromRow(row);
  }

  async listOrgs(): Promise<Org[]> {
    const rows = await this.db.selectFrom('orgs').selectAll().orderBy('created_at').orderBy('pk').execute();
    return rows.map(orgFromRow);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    if (hasNul(keyHash)) return undefined;
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_hash', '=', keyHash)
      .executeTakeFirst();
    return row && apiKeyFromRow(row);
  }

  async hasDeploymentKey(): Promise<boolean> {
    const row = await this.db
      .selectFrom('api_keys')
      .select('id')
      .where('org_id', 'is', null)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * The org's integer key, looked up on its own so that the event queries carry it as a value:
   * the planner then knows which org it plans for (their sizes differ by orders of magnitude).
   * An org keeps its key for good (orgs are never deleted), so each process asks once per org:
   * the lookup was one of the three round trips of every list request.
   */
  private async orgPk(org: string): Promise<number | undefined> {
    if (hasNul(org)) return undefined;
    const known = this.orgPks.get(org);
    if (known !== undefined) return known;
    const row = await this.db.selectFrom('orgs').select('pk').where('id', '=', org).executeTakeFirst();
    if (row) {
      if (this.orgPks.size >= REMEMBERED_ORG_KEYS) this.orgPks.delete(this.orgPks.keys().next().value!);
      this.orgPks.set(org, row.pk);
    }
    return row?.pk;
  }

  async getEvent(org: string, id: string, scope?: ViewScope): Promise<StoredEvent | undefined> {
    const pk = await this.orgPk(org);
    if (pk === undefined || hasNul(id, scope?.workspace, scope?.actor)) return undefined;
    const row = await this.db
      .selectFrom('events')
      .select(['body', 'prev_hash', 'hash'])
      .where('org_pk', '=', pk)
      .where('id', '=', id)
      .where((eb) => eb.and(scopeTerms(eb, scope)))
      .executeTakeFirst();
    return row && eventFromRow(row);
  }

  async listEvents(org: string, query: EventQuery): Promise<EventPage> {
    const rows = await this.eventRows(org, query);
    return toPage(rows.map(eventFromRow), query.limit);
  }

  /** The rows of one page (and one more, to tell whether another page follows). */
  private async eventRows(org: string, query: EventQuery): Promise<EventTextRow[]> {
    const pk = await this.orgPk(org);
    if (pk === undefined || filterHasNul(query)) return [];
    if (query.q) return searchRows(this.db, pk, { ...query, q: query.q }, eventTerms, this.blocks);
    return this.db
      .selectFrom('events')
      .select(['events.body', 'events.prev_hash', 'events.hash'])
      .where('events.org_pk', '=', pk)
      .where((eb) => eb.and(eventTerms(eb, query, query.cursor)))
      .orderBy('events.occurred_at', 'desc')
      .orderBy('events.seq', 'desc')
      .limit(query.limit + 1)
      .execute();
  }

  streamEvents(org: string, filter: EventFilter): AsyncIterable<StoredEvent> {
    return streamByPages((query) => this.listEvents(org, query), filter);
  }

  streamEventJsonPages(org: string, filter: EventFilter): AsyncIterable<string[]> {
    // Only the last row of a chunk is parsed, for the cursor (as listEvents makes it).
    const cursorAfter = (row: EventTextRow): Cursor => {
      const last = eventFromRow(row);
      return { occurredAt: Date.parse(last.occurred_at), seq: last.seq };
    };
    return streamJsonPages((query) => this.eventRows(org, query), cursorAfter, filter);
  }

  async listActions(org: string, filter: Pick<EventFilter, 'from' | 'to' | 'scope'>): Promise<ActionCount[]> {
    const pk = await this.orgPk(org);
    if (pk === undefined || hasNul(filter.scope?.workspace, filter.scope?.actor)) return [];
    if (filter.scope?.workspace === undefined && filter.scope?.actor === undefined) {
      const db = this.db as unknown as Kysely<ActionCountTables>;
      return countActions(
        db,
        (query) => db.executeQuery(query).then((r) => r.rows),
        pk,
        filter.from,
        filter.to,
        timestamp,
      );
    }
    // A viewer's scope is not in the counts: count its events (few, by the scope's nature).
    return this.db
      .selectFrom('events')
      .select(['action', sql<number>`count(*)`.as('count')])
      .where('org_pk', '=', pk)
      .where('occurred_at', '>=', timestamp(filter.from))
      .where('occurred_at', '<=', timestamp(filter.to))
      .where((eb) => eb.and(scopeTerms(eb, filter.scope)))
      .groupBy('action')
      .orderBy('count', 'desc')
      .orderBy('action')
      .execute();
  }

  async chainHead(org: string): Promise<ChainHead> {
    const row = hasNul(org)
      ? undefined
      : await this.db
          .selectFrom('orgs')
          .select(['head_seq', 'head_hash'])
          .where('id', '=', org)
          .executeTakeFirst();
    if (!row) throw new AppError('not_found', `organization ${org} does not exist`);
    return { seq: row.head_seq, hash: row.head_hash };
  }

  async *streamChain(org: string, fromSeq = 1): AsyncIterable<StoredEvent> {
    const pk = await this.orgPk(org);
    if (pk === undefined) return;
    let next = fromSeq;
    for (;;) {
      const rows = await this.db
        .selectFrom('events')
        .select(['seq', 'body', 'prev_hash', 'hash'])
        .where('org_pk', '=', pk)
        .where('seq', '>=', next)
        .orderBy('seq')
        .limit(CHAIN_CHUNK)
        .execute();
      for (const row of rows) yield eventFromRow(row);
      if (rows.length < CHAIN_CHUNK) return;
      next = rows[rows.length - 1]!.seq + 1;
    }
  }
}

/** The shared filter terms, with times as timestamptz values (the shared builder types them as numbers). */
function eventTerms(
  eb: ExpressionBuilder<PgTables, 'events'>,
  filter: EventFilter,
  cursor: Cursor | undefined,
): Expression<SqlBool>[] {
  const shared = eb as unknown as ExpressionBuilder<FilterableEvents, 'events'>;
  return filterTerms(shared, filter, cursor, timestamp);
}
