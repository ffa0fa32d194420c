import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Config } from '../../src/config.js';
import { chainHash } from '../../src/domain/chain.js';
import { type ColumnSource, searchText } from '../../src/domain/event-columns.js';
import { canonicalJson } from '../../src/domain/jcs.js';
import { type TestBackend, testBackends } from '../helpers/backends.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * What someone with direct access to the database files or tables can do, bypassing Trailmark
 * and its triggers. One implementation per backend; the tamper suite runs against each.
 */
export interface Tamperer {
  /** Replaces text inside one event's stored content. */
  editBody(org: string, seq: number, from: string, to: string): Promise<void>;
  deleteEvents(org: string, fromSeq: number, toSeq: number): Promise<void>;
  /** Moves seqs >= `seq` up by one and stores a forged event, correctly hashed, at `seq`. */
  insertForged(org: string, seq: number): Promise<void>;
  /** Exchanges the places of two events. */
  swap(org: string, a: number, b: number): Promise<void>;
  replaceSignature(org: string, checkpointSeq: number, signature: string): Promise<void>;
  /**
   * Sets one column of one event (`occurred_at` in ms since the epoch, fractions kept); answers
   * how to put the original value back.
   */
  setColumn(
    org: string,
    seq: number,
    column: string,
    value: string | number | null,
  ): Promise<() => Promise<void>>;
  /** Exchanges the events at `seq` of two orgs (their org_pk), each keeping its seq. */
  swapAcrossOrgs(orgA: string, orgB: string, seq: number): Promise<void>;
  close(): Promise<void>;
}

/** Column names go into SQL text: only these. */
const COLUMN_NAME = /^[a-z_]+$/;

export interface Backend {
  name: string;
  start(options?: {
    now?: () => Date;
    config?: Partial<Config>;
  }): Promise<{ t: TestServer; tamper: Tamperer; close: () => Promise<void> }>;
}

/** The forged twin of the event before `seq`: same shape, different content, valid hash. */
export function forge(
  previous: { body: string; hash: string },
  seq: number,
): { body: string; hash: string; searchText: string } {
  const event = JSON.parse(previous.body) as Record<string, unknown>;
  const forged = {
    ...event,
    id: `evt_forged_${seq}`,
    seq,
    description: 'forged',
    metadata: { forged: true },
  };
  const body = canonicalJson(forged);
  // A careful forger stores the columns the forged body implies, so that only the chain shows it.
  return {
    body,
    hash: chainHash(previous.hash, body),
    searchText: searchText(forged as unknown as ColumnSource),
  };
}

class SqliteTamperer implements Tamperer {
  private readonly db: BetterSqlite3.Database;

  constructor(path: string) {
    this.db = new BetterSqlite3(path);
    this.db.pragma('busy_timeout = 5000');
    // What an attacker does first: remove the guards.
    this.db.exec(`
      DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;
      DROP TRIGGER IF EXISTS checkpoints_no_update; DROP TRIGGER IF EXISTS checkpoints_no_delete;`);
  }

  private pk(org: string): number {
    return (this.db.prepare('SELECT pk FROM orgs WHERE id = ?').get(org) as { pk: number }).pk;
  }

  async editBody(org: string, seq: number, from: string, to: string): Promise<void> {
    const info = this.db
      .prepare('UPDATE events SET body = replace(body, ?, ?) WHERE org_pk = ? AND seq = ?')
      .run(from, to, this.pk(org), seq);
    if (info.changes !== 1) throw new Error('edit touched no event');
  }

  async deleteEvents(org: string, fromSeq: number, toSeq: number): Promise<void> {
    this.db
      .prepare('DELETE FROM events WHERE org_pk = ? AND seq BETWEEN ? AND ?')
      .run(this.pk(org), fromSeq, toSeq);
  }

  async insertForged(org: string, seq: number): Promise<void> {
    const pk = this.pk(org);
    const previous = this.db
      .prepare('SELECT body, hash FROM events WHERE org_pk = ? AND seq = ?')
      .get(pk, seq - 1) as {
      body: string;
      hash: string;
    };
    const forged = forge(previous, seq);
    this.db.transaction(() => {
      this.db.prepare('UPDATE events SET seq = -seq WHERE org_pk = ? AND seq >= ?').run(pk, seq);
      this.db.prepare('UPDATE events SET seq = 1 - seq WHERE org_pk = ? AND seq < 0').run(pk);
      this.db
        .prepare(
          `INSERT INTO events (org_pk, seq, id, occurred_at, action, actor_id, actor_email, resource_type,
             resource_id, workspace, status, ip, kind, input_hash, search_text, prev_hash, hash, body)
           SELECT org_pk, ?, ?, occurred_at, action, actor_id, actor_email, resource_type, resource_id,
             workspace, status, ip, kind, input_hash, ?, ?, ?, ?
           FROM events WHERE org_pk = ? AND seq = ?`,
        )
        .run(
          seq,
          `evt_forged_${seq}`,
          forged.searchText,
          previous.hash,
          forged.hash,
          forged.body,
          pk,
          seq - 1,
        );
    })();
  }

  async swap(org: string, a: number, b: number): Promise<void> {
    const pk = this.pk(org);
    this.db.transaction(() => {
      this.db.prepare('UPDATE events SET seq = -1 WHERE org_pk = ? AND seq = ?').run(pk, a);
      this.db.prepare('UPDATE events SET seq = ? WHERE org_pk = ? AND seq = ?').run(a, pk, b);
      this.db.prepare('UPDATE events SET seq = ? WHERE org_pk = ? AND seq = -1').run(b, pk);
    })();
  }

  async replaceSignature(org: string, checkpointSeq: number, signature: string): Promise<void> {
    const info = this.db
      .prepare('UPDATE checkpoints SET signature = ? WHERE org_pk = ? AND seq = ?')
      .run(signature, this.pk(org), checkpointSeq);
    if (info.changes !== 1) throw new Error('no such checkpoint');
  }

  async setColumn(org: string, seq: number, column: string, value: string | number | null) {
    if (!COLUMN_NAME.test(column)) throw new Error(`not a column: ${column}`);
    const pk = this.pk(org);
    const where = 'WHERE org_pk = ? AND seq = ?';
    const original = (
      this.db.prepare(`SELECT ${column} AS v FROM events ${where}`).get(pk, seq) as { v: unknown }
    ).v;
    const set = this.db.prepare(`UPDATE events SET ${column} = ? ${where}`);
    if (set.run(value, pk, seq).changes !== 1) throw new Error('no such event');
    return async () => {
      set.run(original, pk, column === 'seq' ? value : seq);
    };
  }

  async swapAcrossOrgs(orgA: string, orgB: string, seq: number): Promise<void> {
    const [a, b] = [this.pk(orgA), this.pk(orgB)];
    const move = this.db.prepare('UPDATE events SET org_pk = ?, seq = ? WHERE org_pk = ? AND seq = ?');
    this.db.transaction(() => {
      move.run(b, -seq, a, seq);
      move.run(a, seq, b, seq);
      move.run(b, seq, b, -seq);
    })();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

class PostgresTamperer implements Tamperer {
  private readonly client: pg.Client;
  private ready: Promise<void>;

  constructor(url: string) {
    this.client = new pg.Client({ connectionString: url });
    // A superuser switches triggers off for its session: what an attacker with the keys does.
    this.ready = this.client.connect().then(async () => {
      await this.client.query("SET session_replication_role = 'replica'");
    });
  }

  private async q(text: string, values: unknown[] = []) {
    await this.ready;
    return this.client.query(text, values);
  }

  private async pk(org: string): Promise<number> {
    return (await this.q('SELECT pk FROM orgs WHERE id = $1', [org])).rows[0].pk as number;
  }

  async editBody(org: string, seq: number, from: string, to: string): Promise<void> {
    const result = await this.q(
      'UPDATE events SET body = replace(body, $1, $2) WHERE org_pk = $3 AND seq = $4',
      [from, to, await this.pk(org), seq],
    );
    if (result.rowCount !== 1) throw new Error('edit touched no event');
  }

  async deleteEvents(org: string, fromSeq: number, toSeq: number): Promise<void> {
    await this.q('DELETE FROM events WHERE org_pk = $1 AND seq BETWEEN $2 AND $3', [
      await this.pk(org),
      fromSeq,
      toSeq,
    ]);
  }

  async insertForged(org: string, seq: number): Promise<void> {
    const pk = await this.pk(org);
    const previous = (
      await this.q('SELECT body, hash FROM events WHERE org_pk = $1 AND seq = $2', [pk, seq - 1])
    ).rows[0] as { body: string; hash: string };
    const forged = forge(previous, seq);
    await this.q('BEGIN');
    await this.q('UPDATE events SET seq = -seq WHERE org_pk = $1 AND seq >= $2', [pk, seq]);
    await this.q('UPDATE events SET seq = 1 - seq WHERE org_pk = $1 AND seq < 0', [pk]);
    await this.q(
      `INSERT INTO events (org_pk, seq, id, occurred_at, action, actor_id, actor_email, resource_type,
         resource_id, workspace, status, ip, kind, input_hash, search_text, prev_hash, hash, body)
       SELECT org_pk, $1, $2, occurred_at, action, actor_id, actor_email, resource_type, resource_id,
         workspace, status, ip, kind, input_hash, $8, $3, $4, $5
       FROM events WHERE org_pk = $6 AND seq = $7`,
      [seq, `evt_forged_${seq}`, previous.hash, forged.hash, forged.body, pk, seq - 1, forged.searchText],
    );
    await this.q('COMMIT');
  }

  async swap(org: string, a: number, b: number): Promise<void> {
    const pk = await this.pk(org);
    await this.q('BEGIN');
    await this.q('UPDATE events SET seq = -1 WHERE org_pk = $1 AND seq = $2', [pk, a]);
    await this.q('UPDATE events SET seq = $1 WHERE org_pk = $2 AND seq = $3', [a, pk, b]);
    await this.q('UPDATE events SET seq = $1 WHERE org_pk = $2 AND seq = -1', [b, pk]);
    await this.q('COMMIT');
  }

  async replaceSignature(org: string, checkpointSeq: number, signature: string): Promise<void> {
    const result = await this.q('UPDATE checkpoints SET signature = $1 WHERE org_pk = $2 AND seq = $3', [
      signature,
      await this.pk(org),
      checkpointSeq,
    ]);
    if (result.rowCount !== 1) throw new Error('no such checkpoint');
  }

  async setColumn(org: string, seq: number, column: string, value: string | number | null) {
    if (!COLUMN_NAME.test(column)) throw new Error(`not a column: ${column}`);
    const pk = await this.pk(org);
    const where = 'WHERE org_pk = $2 AND seq = $3';
    const { rows } = await this.q(
      `SELECT ${column}::text AS v FROM events ${where.replace('$2', '$1').replace('$3', '$2')}`,
      [pk, seq],
    );
    const original = rows[0]?.v as string | null | undefined;
    if (original === undefined) throw new Error('no such event');
    const types: Record<string, string> = { occurred_at: 'timestamptz', seq: 'bigint' };
    const typed = `$1::${types[column] ?? 'text'}`;
    const time = column === 'occurred_at' && typeof value === 'number';
    await this.q(
      `UPDATE events SET ${column} = ${time ? 'to_timestamp($1::float8 / 1000)' : typed} ${where}`,
      [value, pk, seq],
    );
    return async () => {
      await this.q(`UPDATE events SET ${column} = ${typed} ${where}`, [
        original,
        pk,
        column === 'seq' ? value : seq,
      ]);
    };
  }

  async swapAcrossOrgs(orgA: string, orgB: string, seq: number): Promise<void> {
    const [a, b] = [await this.pk(orgA), await this.pk(orgB)];
    const move = 'UPDATE events SET org_pk = $1, seq = $2 WHERE org_pk = $3 AND seq = $4';
    await this.q('BEGIN');
    await this.q(move, [b, -seq, a, seq]);
    await this.q(move, [a, seq, b, seq]);
    await this.q(move, [b, seq, b, -seq]);
    await this.q('COMMIT');
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.client.end();
  }
}

function backend(base: TestBackend): Backend {
  return {
    name: base.name,
    async start(options = {}) {
      const db = await base.databaseUrl();
      const t = await startTestServer({ ...options, databaseUrl: db.url, backgroundJobs: false });
      const tamper = base.name === 'sqlite' ? new SqliteTamperer(db.url) : new PostgresTamperer(db.url);
      return {
        t,
        tamper,
        async close() {
          await tamper.close();
          await t.close();
          await db.drop();
        },
      };
    },
  };
}

/** SQLite always; PostgreSQL when TRAILMARK_TEST_PG_URL is set (test/helpers/backends.ts). */
export const BACKENDS: Backend[] = testBackends().map(backend);
