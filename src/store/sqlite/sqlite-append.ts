import type { Database, Statement } from 'better-sqlite3';
import { chainHash } from '../../domain/chain.js';
import { AppError } from '../../domain/errors.js';
import type { PendingEvent } from '../../domain/event.js';
import { canonicalJson } from '../../domain/jcs.js';
import { chainBody, indexedColumns, searchText } from '../event-row.js';
import type { AppendBatch, AppendedEvent, AppendOutcome } from '../store.js';

interface OrgHeadRow {
  pk: number;
  head_seq: number;
  head_hash: string;
}

interface ExistingRow {
  seq: number;
  input_hash: string;
  hash: string;
}

/**
 * The ingest hot path: prepared statements on the writer connection, run synchronously inside a
 * transaction the caller holds. Building these through the query builder would cost more per
 * row than SQLite spends storing it.
 */
export class SqliteAppender {
  private readonly orgHead: Statement<[string], OrgHeadRow>;
  private readonly setHead: Statement<[number, string, number]>;
  private readonly existing: Statement<[number, string], ExistingRow>;
  private readonly insertEvent: Statement;
  private readonly insertSearch: Statement<[number | bigint, string]>;
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly rollbackTo: Statement;

  constructor(db: Database) {
    this.orgHead = db.prepare('SELECT pk, head_seq, head_hash FROM orgs WHERE id = ?');
    this.setHead = db.prepare('UPDATE orgs SET head_seq = ?, head_hash = ? WHERE pk = ?');
    this.existing = db.prepare('SELECT seq, input_hash, hash FROM events WHERE org_pk = ? AND id = ?');
    this.insertEvent = db.prepare(
      `INSERT INTO events (org_pk, seq, id, occurred_at, action, actor_id, actor_email, resource_type,
         resource_id, workspace, status, ip, kind, input_hash, search_text, prev_hash, hash, body)
       VALUES (@org_pk, @seq, @id, @occurred_at, @action, @actor_id, @actor_email, @resource_type,
         @resource_id, @workspace, @status, @ip, @kind, @input_hash, @search_text, @prev_hash, @hash, @body)`,
    );
    this.insertSearch = db.prepare('INSERT INTO events_search (rowid, search_text) VALUES (?, ?)');
    this.savepoint = db.prepare('SAVEPOINT append_batch');
    this.release = db.prepare('RELEASE append_batch');
    this.rollbackTo = db.prepare('ROLLBACK TO append_batch');
  }

  /** Must run inside a transaction; each batch gets a savepoint so a failed one leaves no trace. */
  appendAll(batches: AppendBatch[]): AppendOutcome[] {
    return batches.map((batch) => {
      this.savepoint.run();
      try {
        const events = this.append(batch.org, batch.events);
        this.release.run();
        return { ok: true, events };
      } catch (error) {
        this.rollbackTo.run();
        this.release.run();
        if (error instanceof AppError) return { ok: false, error };
        throw error;
      }
    });
  }

  append(orgId: string, events: PendingEvent[]): AppendedEvent[] {
    const org = this.orgHead.get(orgId);
    if (!org) throw new AppError('not_found', `organization ${orgId} does not exist`);
    let seq = org.head_seq;
    let prevHash = org.head_hash;
    const results: AppendedEvent[] = [];
    const inBatch = new Map<string, { inputHash: string; result: AppendedEvent }>();

    events.forEach((event, index) => {
      if (event.client_id) {
        const earlier = inBatch.get(event.id);
        const stored = earlier ? undefined : this.existing.get(org.pk, event.id);
        const sameId = earlier
          ? { inputHash: earlier.inputHash, seq: earlier.result.seq, hash: earlier.result.hash }
          : stored && { inputHash: stored.input_hash, seq: stored.seq, hash: stored.hash };
        if (sameId) {
          if (sameId.inputHash !== event.input_hash) {
            throw new AppError('conflict', `event ${event.id} is already stored with different content`, {
              errors: [
                {
                  path: `/events/${index}/id`,
                  message: 'is already used by an event with different content',
                },
              ],
            });
          }
          results.push({ id: event.id, seq: sameId.seq, hash: sameId.hash, duplicate: true });
          return;
        }
      }
      seq += 1;
      const body = chainBody(event, seq);
      const canonical = canonicalJson(body);
      const hash = chainHash(prevHash, canonical);
      const text = searchText(event);
      const info = this.insertEvent.run({
        org_pk: org.pk,
        seq,
        ...indexedColumns(event),
        input_hash: event.input_hash,
        search_text: text,
        prev_hash: prevHash,
        hash,
        body: canonical,
      });
      this.insertSearch.run(info.lastInsertRowid, text);
      const result = { id: event.id, seq, hash, duplicate: false };
      if (event.client_id) inBatch.set(event.id, { inputHash: event.input_hash, result });
      results.push(result);
      prevHash = hash;
    });

    if (seq !== org.head_seq) this.setHead.run(seq, prevHash, org.pk);
    return results;
  }
}
