import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CompiledQuery, type Kysely } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { AppendConnection, OrgHead } from './postgres-append.js';
import { binaryChunks, type CopyFormat, textChunks } from './postgres-copy.js';
import type { PgTables } from './postgres-schema.js';
import { type BlockColumns, putBlocksSql } from './postgres-search-blocks.js';

/** How the group commit writes rows: COPY in either format, or INSERT ... unnest only. */
export type WriteMethod = CopyFormat | 'unnest';
export const DEFAULT_WRITE: WriteMethod = 'binary';

/** Columns of `events` in the order every insert lists them, with their types. */
const COLUMNS = [
  ['org_pk', 'integer'],
  ['seq', 'bigint'],
  ['id', 'text'],
  ['occurred_at', 'timestamptz'],
  ['action', 'text'],
  ['actor_id', 'text'],
  ['actor_email', 'text'],
  ['resource_type', 'text'],
  ['resource_id', 'text'],
  ['workspace', 'text'],
  ['status', 'text'],
  ['ip', 'text'],
  ['kind', 'text'],
  ['input_hash', 'text'],
  ['search_text', 'text'],
  ['prev_hash', 'text'],
  ['hash', 'text'],
  ['body', 'text'],
  ['received_at', 'timestamptz'],
] as const;

export type EventRow = Record<(typeof COLUMNS)[number][0], string | number | null>;

const COLUMN_LIST = COLUMNS.map(([name]) => name).join(', ');
/** Rows per statement or per COPY write: bounds memory whatever a commit holds. */
const CHUNK = 1000;
/**
 * From this many rows COPY is worth its extra exchange with the server (it answers the COPY
 * statement before taking the data, and the heads then need a statement of their own).
 */
const COPY_FROM_ROWS = 100;

/** Multi-row INSERT through `unnest`: each column is one array parameter. */
const UNNEST_INSERT = `INSERT INTO events (${COLUMN_LIST})
  SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`;
/** Moves heads; `first` is the number of its first parameter. */
function moveHeadsSql(first: number): string {
  return `UPDATE orgs SET head_seq = h.seq, head_hash = h.hash
  FROM unnest($${first}::integer[], $${first + 1}::bigint[], $${first + 2}::text[]) AS h (pk, seq, hash)
  WHERE orgs.pk = h.pk`;
}
/** The search blocks and the heads (after COPY wrote the rows): parameters blocks first. */
const BLOCKS_AND_HEADS = `WITH blocks AS (${putBlocksSql(1)}) ${moveHeadsSql(6)}`;
/** Rows, search blocks and heads in one statement: one exchange with the server instead of three. */
const INSERT_ALL = `WITH inserted AS (${UNNEST_INSERT}), blocks AS (${putBlocksSql(COLUMNS.length + 1)})
  ${moveHeadsSql(COLUMNS.length + 6)}`;

function headParameters(heads: OrgHead[]): unknown[] {
  return [heads.map((h) => h.pk), heads.map((h) => h.seq), heads.map((h) => h.hash)];
}

function rowParameters(rows: EventRow[]): unknown[] {
  return COLUMNS.map(([name]) => rows.map((row) => row[name]));
}

/** The rows by INSERT ... unnest, the last chunk together with the blocks and heads. */
async function writeByUnnest(
  run: AppendConnection['query'],
  rows: EventRow[],
  heads: OrgHead[],
  blocks: BlockColumns,
) {
  let start = 0;
  for (; start + CHUNK < rows.length; start += CHUNK)
    await run(UNNEST_INSERT, rowParameters(rows.slice(start, start + CHUNK)));
  await run(INSERT_ALL, [...rowParameters(rows.slice(start)), ...blocks, ...headParameters(heads)]);
}

/**
 * COPY FROM STDIN: the fastest way in, for the ingest path. Measured on this machine against the
 * unnest INSERT: about half the client CPU (no array literals to build and escape) and about a
 * quarter less server CPU per row. Binary COPY took less client CPU than text, and committed
 * faster, in every alternated run (docs/benchmarks.md): it is the default.
 */
async function insertByCopy(client: pg.PoolClient, rows: EventRow[], format: CopyFormat): Promise<void> {
  if (format === 'binary') {
    const stream = client.query(copyFrom(`COPY events (${COLUMN_LIST}) FROM STDIN (FORMAT binary)`));
    await pipeline(Readable.from(binaryChunks(COLUMNS, rows, CHUNK)), stream);
  } else {
    const stream = client.query(copyFrom(`COPY events (${COLUMN_LIST}) FROM STDIN`));
    await pipeline(Readable.from(textChunks(COLUMNS, rows, CHUNK)), stream);
  }
}

/** An append inside a Kysely transaction (StoreTx: Trailmark's own events, a few at a time). */
export function kyselyConnection(trx: Kysely<PgTables>): AppendConnection {
  const query = async <R>(text: string, parameters: unknown[]): Promise<R[]> =>
    (await trx.executeQuery<R>(CompiledQuery.raw(text, parameters))).rows;
  return { query, write: (rows, heads, blocks) => writeByUnnest(query, rows, heads, blocks) };
}

/** An append on a pooled client that holds the transaction (the group commit). */
export function clientConnection(
  client: pg.PoolClient,
  write: WriteMethod = DEFAULT_WRITE,
): AppendConnection {
  const query = async <R>(text: string, parameters: unknown[]): Promise<R[]> =>
    (await client.query(text, parameters)).rows as R[];
  return {
    query,
    async write(rows, heads, blocks) {
      if (write === 'unnest' || rows.length < COPY_FROM_ROWS)
        return writeByUnnest(query, rows, heads, blocks);
      await insertByCopy(client, rows, write);
      await query(BLOCKS_AND_HEADS, [...blocks, ...headParameters(heads)]);
    },
  };
}
