import { type Kysely, sql } from 'kysely';
import { chainHash } from '../../domain/chain.js';
import { AppError } from '../../domain/errors.js';
import type { PendingEvent } from '../../domain/event.js';
import { toAppendRow } from '../event-row.js';
import type { AppendBatch, AppendedEvent, AppendOutcome } from '../store.js';
import type { PgTables } from './postgres-schema.js';

/** An org's chain head as locked for this transaction. */
interface OrgHead {
  pk: number;
  seq: number;
  hash: string;
}

interface StoredIdentity {
  seq: number;
  /** null for ids Trailmark generated. */
  inputHash: string | null;
  hash: string;
}

/** Columns of `events` in the order the INSERT lists them. */
const COLUMNS = [
  'org_pk',
  'seq',
  'id',
  'occurred_at',
  'action',
  'actor_id',
  'actor_email',
  'resource_type',
  'resource_id',
  'workspace',
  'status',
  'ip',
  'kind',
  'input_hash',
  'search_text',
  'prev_hash',
  'hash',
  'body',
] as const;
const COLUMN_TYPES = [
  'integer',
  'bigint',
  'text',
  'timestamptz',
  ...Array<string>(COLUMNS.length - 4).fill('text'),
];
type Column = (typeof COLUMNS)[number];
type Row = Record<Column, string | number | null>;

/** Rows per INSERT: bounds the size of one statement's parameters whatever the commit holds. */
const INSERT_CHUNK = 2000;

/**
 * Appends on PostgreSQL. A group commit costs a fixed number of round trips whatever the number
 * of batches: lock every org's head (one statement, in id order so that processes committing
 * overlapping sets of orgs never deadlock), look up every client id (one statement), decide each
 * batch in memory (chain, idempotency, conflicts), then insert all rows and move all heads.
 * A batch that conflicts is refused before anything is written, so it leaves no trace while the
 * others commit: no savepoint is needed.
 */
export async function appendBatches(db: Kysely<PgTables>, batches: AppendBatch[]): Promise<AppendOutcome[]> {
  const heads = await lockHeads(
    db,
    batches.map((b) => b.org),
  );
  const stored = await storedIdentities(db, heads, batches);
  const rows: Row[] = [];
  const moved = new Map<string, OrgHead>();
  const outcomes = batches.map((batch): AppendOutcome => {
    const head = moved.get(batch.org) ?? heads.get(batch.org);
    if (!head) return { ok: false, error: orgNotFound(batch.org) };
    try {
      const plan = planAppend(head, batch.events, innerMap(stored, head.pk));
      rows.push(...plan.rows);
      moved.set(batch.org, plan.head);
      return { ok: true, events: plan.results };
    } catch (error) {
      if (error instanceof AppError) return { ok: false, error };
      throw error;
    }
  });
  await insertRows(db, rows);
  await moveHeads(
    db,
    [...moved].filter(([org, head]) => head.seq !== heads.get(org)!.seq).map(([, head]) => head),
  );
  return outcomes;
}

/** One org's append inside a caller's transaction (Trailmark's own change + its event). */
export async function appendToOrg(
  db: Kysely<PgTables>,
  org: string,
  events: PendingEvent[],
): Promise<AppendedEvent[]> {
  const [outcome] = await appendBatches(db, [{ org, events }]);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.events;
}

function orgNotFound(org: string): AppError {
  return new AppError('not_found', `organization ${org} does not exist`);
}

async function lockHeads(db: Kysely<PgTables>, orgs: string[]): Promise<Map<string, OrgHead>> {
  const ids = [...new Set(orgs)];
  const { rows } = await sql<{ pk: number; id: string; head_seq: number; head_hash: string }>`
    SELECT pk, id, head_seq, head_hash FROM orgs WHERE id = ANY(${ids}::text[]) ORDER BY id FOR UPDATE`.execute(
    db,
  );
  return new Map(rows.map((r) => [r.id, { pk: r.pk, seq: r.head_seq, hash: r.head_hash }]));
}

/** Already stored events among the client-chosen ids of the batches, by org key then id. */
async function storedIdentities(
  db: Kysely<PgTables>,
  heads: Map<string, OrgHead>,
  batches: AppendBatch[],
): Promise<Map<number, Map<string, StoredIdentity>>> {
  const orgPks: number[] = [];
  const ids: string[] = [];
  for (const batch of batches) {
    const head = heads.get(batch.org);
    if (!head) continue;
    for (const event of batch.events) {
      if (!event.client_id) continue;
      orgPks.push(head.pk);
      ids.push(event.id);
    }
  }
  const out = new Map<number, Map<string, StoredIdentity>>();
  if (ids.length === 0) return out;
  const { rows } = await sql<{
    org_pk: number;
    id: string;
    seq: number;
    input_hash: string | null;
    hash: string;
  }>`
    SELECT e.org_pk, e.id, e.seq, e.input_hash, e.hash
    FROM unnest(${orgPks}::integer[], ${ids}::text[]) AS k (org_pk, id)
    JOIN events e ON e.org_pk = k.org_pk AND e.id = k.id`.execute(db);
  for (const row of rows) {
    innerMap(out, row.org_pk).set(row.id, { seq: row.seq, inputHash: row.input_hash, hash: row.hash });
  }
  return out;
}

function innerMap<K, K2, V>(outer: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}

/**
 * Gives each new event its place in the chain exactly as the SQLite appender does; a repeated
 * client id answers with the stored event, or refuses the whole batch when the content differs.
 * `stored` also receives the batch's own client ids once the batch is accepted, so a later batch
 * of the same commit sees them.
 */
function planAppend(
  head: OrgHead,
  events: PendingEvent[],
  stored: Map<string, StoredIdentity>,
): { rows: Row[]; results: AppendedEvent[]; head: OrgHead } {
  let seq = head.seq;
  let prevHash = head.hash;
  const rows: Row[] = [];
  const results: AppendedEvent[] = [];
  const inBatch = new Map<string, StoredIdentity>();

  events.forEach((event, index) => {
    const row = toAppendRow(event);
    if (row.clientId) {
      const same = inBatch.get(row.id) ?? stored.get(row.id);
      if (same) {
        if (same.inputHash !== row.inputHash) {
          throw new AppError('conflict', `event ${row.id} is already stored with different content`, {
            errors: [
              { path: `/events/${index}/id`, message: 'is already used by an event with different content' },
            ],
          });
        }
        results.push({ id: row.id, seq: same.seq, hash: same.hash, duplicate: true });
        return;
      }
    }
    seq += 1;
    // The shared canonical form (toAppendRow): both backends hash exactly the same text.
    const canonical = row.head + seq + row.tail;
    const hash = chainHash(prevHash, canonical);
    rows.push({
      org_pk: head.pk,
      seq,
      id: row.id,
      occurred_at: event.occurred_at,
      action: row.action,
      actor_id: row.actorId,
      actor_email: row.actorEmail,
      resource_type: row.resourceType,
      resource_id: row.resourceId,
      workspace: row.workspace,
      status: row.status,
      ip: row.ip,
      kind: row.kind,
      input_hash: row.inputHash,
      search_text: row.searchText,
      prev_hash: prevHash,
      hash,
      body: canonical,
    });
    if (row.clientId) inBatch.set(row.id, { seq, inputHash: row.inputHash, hash });
    results.push({ id: row.id, seq, hash, duplicate: false });
    prevHash = hash;
  });

  for (const [id, identity] of inBatch) stored.set(id, identity);
  return { rows, results, head: { pk: head.pk, seq, hash: prevHash } };
}

/** One INSERT per chunk: each column travels as one array parameter and `unnest` zips them. */
async function insertRows(db: Kysely<PgTables>, rows: Row[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    const arrays = COLUMNS.map(
      (column, i) => sql`${chunk.map((row) => row[column])}::${sql.raw(COLUMN_TYPES[i]!)}[]`,
    );
    await sql`
      INSERT INTO events (${sql.join(COLUMNS.map((c) => sql.ref(c)))})
      SELECT * FROM unnest(${sql.join(arrays)})`.execute(db);
  }
}

async function moveHeads(db: Kysely<PgTables>, heads: OrgHead[]): Promise<void> {
  if (heads.length === 0) return;
  await sql`
    UPDATE orgs SET head_seq = h.seq, head_hash = h.hash
    FROM unnest(${heads.map((h) => h.pk)}::integer[], ${heads.map((h) => h.seq)}::bigint[],
                ${heads.map((h) => h.hash)}::text[]) AS h (pk, seq, hash)
    WHERE orgs.pk = h.pk`.execute(db);
}
