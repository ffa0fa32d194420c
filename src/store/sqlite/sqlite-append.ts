import type { Database, Statement } from 'better-sqlite3';
import { chainHash } from '../../domain/chain.js';
import { AppError } from '../../domain/errors.js';
import type { PendingEvent } from '../../domain/event.js';
import { type AppendRow, toAppendRow } from '../event-row.js';
import type { AppendedEvent } from '../store.js';
import { addTextBits, BLOCK_BYTES, blockOf } from './search-bits.js';

interface OrgHeadRow {
  pk: number;
  head_seq: number;
  head_hash: string;
}

interface ExistingRow {
  seq: number;
  input_hash: string | null;
  hash: string;
}

interface BlockRow {
  min_occurred_at: number;
  max_occurred_at: number;
  bits: Buffer;
}

export interface RowBatch {
  org: string;
  rows: AppendRow[];
}

/** What a batch came to, in a form that crosses a thread boundary (no class instances). */
export type RowOutcome =
  | { ok: true; events: AppendedEvent[] }
  | { ok: false; error: { code: AppError['code']; message: string; errors?: AppError['errors'] } };

/** A block's bits and time range while a batch adds to it. */
interface OpenBlock {
  block: number;
  bits: Buffer;
  min: number;
  max: number;
}

/**
 * Appends to org chains with prepared statements on one connection, inside a transaction the
 * caller holds. Runs on the writer thread for ingest and on the main connection for Trailmark's
 * own transactional writes; both read the org's head inside their transaction, and a lock held
 * across threads (see sqlite-writer.ts) keeps them from interleaving.
 */
export class SqliteAppender {
  private readonly orgHead: Statement<[string], OrgHeadRow>;
  private readonly setHead: Statement<[number, string, number]>;
  private readonly existing: Statement<[number, string], ExistingRow>;
  private readonly insertEvent: Statement<unknown[]>;
  private readonly getBlock: Statement<[number, number], BlockRow>;
  private readonly putBlock: Statement<[number, number, number, number, Buffer]>;
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly rollbackTo: Statement;

  constructor(db: Database) {
    this.orgHead = db.prepare('SELECT pk, head_seq, head_hash FROM orgs WHERE id = ?');
    this.setHead = db.prepare('UPDATE orgs SET head_seq = ?, head_hash = ? WHERE pk = ?');
    this.existing = db.prepare('SELECT seq, input_hash, hash FROM events WHERE org_pk = ? AND id = ?');
    // Positional parameters: binding an object by name costs more than SQLite's own work here.
    this.insertEvent = db.prepare(
      `INSERT INTO events (org_pk, seq, id, occurred_at, action, actor_id, actor_email, resource_type,
         resource_id, workspace, status, ip, kind, input_hash, search_text, prev_hash, hash, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getBlock = db.prepare(
      'SELECT min_occurred_at, max_occurred_at, bits FROM search_blocks WHERE org_pk = ? AND block = ?',
    );
    this.putBlock = db.prepare(
      `INSERT INTO search_blocks (org_pk, block, min_occurred_at, max_occurred_at, bits) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (org_pk, block) DO UPDATE SET min_occurred_at = excluded.min_occurred_at,
         max_occurred_at = excluded.max_occurred_at, bits = excluded.bits`,
    );
    this.savepoint = db.prepare('SAVEPOINT append_batch');
    this.release = db.prepare('RELEASE append_batch');
    this.rollbackTo = db.prepare('ROLLBACK TO append_batch');
  }

  /** Must run inside a transaction; each batch gets a savepoint so a failed one leaves no trace. */
  appendAll(batches: RowBatch[]): RowOutcome[] {
    return batches.map((batch) => {
      this.savepoint.run();
      try {
        const events = this.appendRows(batch.org, batch.rows);
        this.release.run();
        return { ok: true, events };
      } catch (error) {
        this.rollbackTo.run();
        this.release.run();
        if (error instanceof AppError) {
          return {
            ok: false,
            error: {
              code: error.code,
              message: error.message,
              ...(error.errors ? { errors: error.errors } : {}),
            },
          };
        }
        throw error;
      }
    });
  }

  append(org: string, events: PendingEvent[]): AppendedEvent[] {
    return this.appendRows(org, events.map(toAppendRow));
  }

  appendRows(orgId: string, rows: AppendRow[]): AppendedEvent[] {
    const org = this.orgHead.get(orgId);
    if (!org) throw new AppError('not_found', `organization ${orgId} does not exist`);
    let seq = org.head_seq;
    let prevHash = org.head_hash;
    const results: AppendedEvent[] = [];
    const inBatch = new Map<string, { inputHash: string | null; result: AppendedEvent }>();
    let open: OpenBlock | undefined;

    for (let index = 0; index < rows.length; index++) {
      const row = rows[index]!;
      if (row.clientId) {
        const earlier = inBatch.get(row.id);
        const stored = earlier ? undefined : this.existing.get(org.pk, row.id);
        const same = earlier
          ? { inputHash: earlier.inputHash, seq: earlier.result.seq, hash: earlier.result.hash }
          : stored && { inputHash: stored.input_hash, seq: stored.seq, hash: stored.hash };
        if (same) {
          if (same.inputHash !== row.inputHash) {
            throw new AppError('conflict', `event ${row.id} is already stored with different content`, {
              errors: [
                {
                  path: `/events/${index}/id`,
                  message: 'is already used by an event with different content',
                },
              ],
            });
          }
          results.push({ id: row.id, seq: same.seq, hash: same.hash, duplicate: true });
          continue;
        }
      }
      seq += 1;
      const canonical = row.head + seq + row.tail;
      const hash = chainHash(prevHash, canonical);
      this.insertEvent.run(
        org.pk,
        seq,
        row.id,
        row.occurredAt,
        row.action,
        row.actorId,
        row.actorEmail,
        row.resourceType,
        row.resourceId,
        row.workspace,
        row.status,
        row.ip,
        row.kind,
        row.inputHash,
        row.searchText,
        prevHash,
        hash,
        canonical,
      );
      const block = blockOf(seq);
      if (open?.block !== block) {
        if (open) this.saveBlock(org.pk, open);
        open = this.loadBlock(org.pk, block);
      }
      addTextBits(open.bits, row.searchText);
      if (row.ip) addTextBits(open.bits, row.ip);
      if (row.occurredAt < open.min) open.min = row.occurredAt;
      if (row.occurredAt > open.max) open.max = row.occurredAt;
      const result = { id: row.id, seq, hash, duplicate: false };
      if (row.clientId) inBatch.set(row.id, { inputHash: row.inputHash, result });
      results.push(result);
      prevHash = hash;
    }

    if (open) this.saveBlock(org.pk, open);
    if (seq !== org.head_seq) this.setHead.run(seq, prevHash, org.pk);
    return results;
  }

  private loadBlock(orgPk: number, block: number): OpenBlock {
    const row = this.getBlock.get(orgPk, block);
    if (!row)
      return {
        block,
        bits: Buffer.alloc(BLOCK_BYTES),
        min: Number.MAX_SAFE_INTEGER,
        max: Number.MIN_SAFE_INTEGER,
      };
    return { block, bits: Buffer.from(row.bits), min: row.min_occurred_at, max: row.max_occurred_at };
  }

  private saveBlock(orgPk: number, open: OpenBlock): void {
    this.putBlock.run(orgPk, open.block, open.min, open.max, open.bits);
  }
}
