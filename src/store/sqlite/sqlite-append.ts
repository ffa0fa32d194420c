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

/** An org's chain head, and the search block its next event goes to, while a transaction appends. */
interface OrgTip {
  pk: number;
  /** The head as stored when the transaction read it. */
  storedSeq: number;
  seq: number;
  hash: string;
  open: OpenBlock | undefined;
}

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

  /**
   * Must run inside a transaction; each batch gets a savepoint so a failed one leaves no trace.
   * An org's head and its open search block are read once and written once for all the
   * batches, not once per batch: a commit of single-event requests holds hundreds of batches.
   */
  appendAll(batches: RowBatch[]): RowOutcome[] {
    const tips = new Map<string, OrgTip>();
    const outcomes = batches.map((batch): RowOutcome => {
      this.savepoint.run();
      let tip = tips.get(batch.org);
      const before = tip && { seq: tip.seq, hash: tip.hash, open: tip.open };
      try {
        tip ??= this.tipOf(batch.org);
        const events = this.appendTo(tip, batch.rows);
        this.release.run();
        tips.set(batch.org, tip);
        return { ok: true, events };
      } catch (error) {
        this.rollbackTo.run();
        this.release.run();
        // The batch's rows are gone: the next batch takes its seqs. A block it saved is unsaved
        // again and is saved at the end; bits its rows set stay, which only admits the block to
        // searches it cannot answer (they test the rows).
        if (tip && before) Object.assign(tip, before);
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
    for (const tip of tips.values()) this.finish(tip);
    return outcomes;
  }

  append(org: string, events: PendingEvent[]): AppendedEvent[] {
    const tip = this.tipOf(org);
    const appended = this.appendTo(tip, events.map(toAppendRow));
    this.finish(tip);
    return appended;
  }

  private tipOf(orgId: string): OrgTip {
    const org = this.orgHead.get(orgId);
    if (!org) throw new AppError('not_found', `organization ${orgId} does not exist`);
    return { pk: org.pk, storedSeq: org.head_seq, seq: org.head_seq, hash: org.head_hash, open: undefined };
  }

  /** Writes what appending moved: the org's head and its open search block. */
  private finish(tip: OrgTip): void {
    if (tip.open) this.saveBlock(tip.pk, tip.open);
    if (tip.seq !== tip.storedSeq) this.setHead.run(tip.seq, tip.hash, tip.pk);
  }

  /** Appends rows after the tip and moves it; a row that cannot be stored throws. */
  private appendTo(tip: OrgTip, rows: AppendRow[]): AppendedEvent[] {
    let seq = tip.seq;
    let prevHash = tip.hash;
    let open = tip.open;
    const results: AppendedEvent[] = [];
    const inBatch = new Map<string, { inputHash: string | null; result: AppendedEvent }>();

    for (let index = 0; index < rows.length; index++) {
      const row = rows[index]!;
      if (row.clientId) {
        const earlier = inBatch.get(row.id);
        const stored = earlier ? undefined : this.existing.get(tip.pk, row.id);
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
        tip.pk,
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
        if (open) this.saveBlock(tip.pk, open);
        open = this.loadBlock(tip.pk, block);
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

    tip.seq = seq;
    tip.hash = prevHash;
    tip.open = open;
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
