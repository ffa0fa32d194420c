import type pg from 'pg';
import {
  type ChainLink,
  type ChainStart,
  GENESIS,
  type VerifyReport,
} from '../../integrity/chain-verifier.js';
import { type ChainPart, walkChainPart } from '../../integrity/chain-walk.js';
import type { Checkpoint } from '../../integrity/checkpoint.js';
import type { KeyRing } from '../../integrity/ed25519-keys.js';
import type {
  IntegrityStore,
  PruneBatch,
  PurgeBatch,
  RetentionProgress,
  SigningKeyRecord,
  StoredVerification,
  UnsignedTail,
} from '../integrity-store.js';

const CHECKPOINT_COLUMNS =
  'o.id AS org, c.seq, c.from_seq, c.hash, c.tree_root, c.signed_at, c.key_id, c.signature';

/**
 * The PostgreSQL side of IntegrityStore, on the store's pool. Chain links are read in array row
 * mode (no per-row objects); the purge runs through the SECURITY DEFINER functions of
 * 002_integrity, the only way events can be deleted.
 */
export class PostgresIntegrity implements IntegrityStore {
  /**
   * @param pool writes and transactions
   * @param reads where reads run: the pool, or one connection holding a snapshot (walks)
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly reads: Pick<pg.PoolClient, 'query'> = pool,
  ) {}

  /**
   * Walks each part on its own connection in one REPEATABLE READ snapshot, at once: events
   * committed meanwhile are not taken for links beyond the head.
   */
  readonly walkChainParts = (
    org: string,
    keys: KeyRing,
    parts: readonly ChainPart[],
  ): Promise<VerifyReport[]> =>
    Promise.all(
      parts.map(async (part, i) => {
        const client = await this.pool.connect();
        try {
          await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          const snapshot = new PostgresIntegrity(this.pool, client);
          const head =
            i === parts.length - 1
              ? await snapshot.one<{ seq: string; hash: string }>(
                  'SELECT head_seq AS seq, head_hash AS hash FROM orgs WHERE id = $1',
                  [org],
                )
              : undefined;
          return await walkChainPart(
            snapshot,
            org,
            keys,
            part,
            head && { seq: Number(head.seq), hash: head.hash },
          );
        } finally {
          await client.query('COMMIT').catch(() => undefined);
          client.release();
        }
      }),
    );

  private async rows<R>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.reads.query(text, values)).rows as R[];
  }

  private async one<R>(text: string, values: unknown[] = []): Promise<R | undefined> {
    return (await this.rows<R>(text, values))[0];
  }

  private async orgPk(org: string): Promise<number | undefined> {
    if (org.includes('\u0000')) return undefined;
    return (await this.one<{ pk: number }>('SELECT pk FROM orgs WHERE id = $1', [org]))?.pk;
  }

  private async inTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return this.rows<SigningKeyRecord>('SELECT * FROM signing_keys ORDER BY created_at, id');
  }

  async addSigningKey(key: Omit<SigningKeyRecord, 'retired_at'>, mode: 'first' | 'rotate'): Promise<boolean> {
    return this.inTransaction(async (client) => {
      if (mode === 'rotate') {
        await client.query(
          "UPDATE signing_keys SET status = 'retired', retired_at = $1 WHERE status = 'active'",
          [key.created_at],
        );
      }
      const result = await client.query(
        `INSERT INTO signing_keys (id, public_key, private_key, status, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [key.id, key.public_key, key.private_key, key.status, key.created_at],
      );
      return result.rowCount === 1;
    });
  }

  async resealSigningKey(id: string, privateKey: string): Promise<void> {
    await this.pool.query('UPDATE signing_keys SET private_key = $1 WHERE id = $2', [privateKey, id]);
  }

  async unsignedTails(): Promise<UnsignedTail[]> {
    return this.rows<UnsignedTail>(
      `SELECT o.id AS org, o.head_seq, o.head_hash,
              COALESCE(c.seq, a.seq - 1, 0) AS signed_seq,
              COALESCE(c.hash, a.prev_hash, $1) AS signed_hash
       FROM orgs o
       LEFT JOIN LATERAL (
         SELECT seq, hash FROM checkpoints WHERE org_pk = o.pk ORDER BY seq DESC LIMIT 1
       ) c ON true
       LEFT JOIN chain_anchors a ON a.org_pk = o.pk
       WHERE o.head_seq > COALESCE(c.seq, a.seq - 1, 0)`,
      [GENESIS],
    );
  }

  async latestCheckpoint(org: string): Promise<Checkpoint | undefined> {
    return this.one<Checkpoint>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints c JOIN orgs o ON o.pk = c.org_pk
       WHERE o.id = $1 ORDER BY c.seq DESC LIMIT 1`,
      [org],
    );
  }

  async checkpointCovering(org: string, seq: number): Promise<Checkpoint | undefined> {
    return this.one<Checkpoint>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints c JOIN orgs o ON o.pk = c.org_pk
       WHERE o.id = $1 AND c.seq >= $2 ORDER BY c.seq LIMIT 1`,
      [org, seq],
    );
  }

  async listCheckpoints(org: string, fromSeq: number, limit: number): Promise<Checkpoint[]> {
    return this.rows<Checkpoint>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints c JOIN orgs o ON o.pk = c.org_pk
       WHERE o.id = $1 AND c.seq >= $2 ORDER BY c.seq LIMIT $3`,
      [org, fromSeq, limit],
    );
  }

  async checkpointSignedBefore(org: string, time: string): Promise<Checkpoint | undefined> {
    return this.one<Checkpoint>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints c JOIN orgs o ON o.pk = c.org_pk
       WHERE o.id = $1 AND c.signed_at < $2 ORDER BY c.signed_at DESC, c.seq DESC LIMIT 1`,
      [org, time],
    );
  }

  private async insertCheckpoint(cp: Checkpoint): Promise<boolean> {
    // One statement: the range must start right after the newest checkpoint (or at the anchor),
    // and the primary key refuses a second checkpoint at one seq.
    const result = await this.pool.query(
      `INSERT INTO checkpoints (org_pk, seq, from_seq, hash, tree_root, signed_at, key_id, signature)
       SELECT o.pk, $2, $3, $4, $5, $6, $7, $8 FROM orgs o
       WHERE o.id = $1
         AND $3 = COALESCE((SELECT max(seq) + 1 FROM checkpoints WHERE org_pk = o.pk),
                           (SELECT seq FROM chain_anchors WHERE org_pk = o.pk), 1)
       ON CONFLICT DO NOTHING`,
      [cp.org, cp.seq, cp.from_seq, cp.hash, cp.tree_root, cp.signed_at, cp.key_id, cp.signature],
    );
    return result.rowCount === 1;
  }

  async insertCheckpoints(cps: readonly Checkpoint[]): Promise<number> {
    let stored = 0;
    for (const cp of cps) {
      if (!(await this.insertCheckpoint(cp))) break;
      stored += 1;
    }
    return stored;
  }

  async chainStart(org: string): Promise<ChainStart> {
    const row = await this.one<ChainStart>(
      'SELECT a.seq, a.prev_hash FROM chain_anchors a JOIN orgs o ON o.pk = a.org_pk WHERE o.id = $1',
      [org],
    );
    return row ?? { seq: 1, prev_hash: GENESIS };
  }

  async chainLinks(
    org: string,
    fromSeq: number,
    toSeq: number,
    limit: number,
    options: { bodies?: boolean } = {},
  ): Promise<ChainLink[]> {
    const pk = await this.orgPk(org);
    if (pk === undefined) return [];
    const body = (options.bodies ?? true) ? 'body' : 'NULL::text';
    const result = await this.reads.query<[number, string, string, string | null]>({
      text: `(SELECT seq, prev_hash, hash, ${body} FROM events
              WHERE org_pk = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq LIMIT $4)
             UNION ALL
             (SELECT seq, prev_hash, hash, NULL FROM pruned_events
              WHERE org_pk = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq LIMIT $4)
             ORDER BY seq LIMIT $4`,
      values: [pk, fromSeq, toSeq, limit],
      rowMode: 'array',
    });
    const out: ChainLink[] = new Array(result.rows.length);
    for (let i = 0; i < result.rows.length; i++) {
      const r = result.rows[i]!;
      out[i] = { seq: Number(r[0]), prev_hash: r[1], hash: r[2], body: r[3] };
    }
    return out;
  }

  async chainHashes(org: string, fromSeq: number, toSeq: number): Promise<string[]> {
    const pk = await this.orgPk(org);
    if (pk === undefined) return [];
    const result = await this.reads.query<[string]>({
      text: `SELECT hash FROM (
               SELECT seq, hash FROM events WHERE org_pk = $1 AND seq BETWEEN $2 AND $3
               UNION ALL
               SELECT seq, hash FROM pruned_events WHERE org_pk = $1 AND seq BETWEEN $2 AND $3
             ) links ORDER BY seq`,
      values: [pk, fromSeq, toSeq],
      rowMode: 'array',
    });
    return result.rows.map((r) => r[0]);
  }

  async receivedAt(org: string, seq: number): Promise<string | undefined> {
    const pk = await this.orgPk(org);
    if (pk === undefined) return undefined;
    const row = await this.one<{ body: string }>('SELECT body FROM events WHERE org_pk = $1 AND seq = $2', [
      pk,
      seq,
    ]);
    if (!row) return undefined;
    const value = (JSON.parse(row.body) as { received_at?: unknown }).received_at;
    return typeof value === 'string' ? value : undefined;
  }

  async saveVerification(org: string, verification: StoredVerification): Promise<void> {
    const pk = await this.orgPk(org);
    if (pk === undefined) return;
    const { verified_at, ...report } = verification;
    await this.pool.query(
      `INSERT INTO chain_verifications (org_pk, report, verified_at) VALUES ($1, $2, $3)
       ON CONFLICT (org_pk) DO UPDATE SET report = excluded.report, verified_at = excluded.verified_at`,
      [pk, JSON.stringify(report), verified_at],
    );
  }

  async lastVerification(org: string): Promise<StoredVerification | undefined> {
    const row = await this.one<{ report: Omit<StoredVerification, 'verified_at'>; verified_at: string }>(
      `SELECT v.report, v.verified_at FROM chain_verifications v JOIN orgs o ON o.pk = v.org_pk
       WHERE o.id = $1`,
      [org],
    );
    return row && { ...row.report, verified_at: row.verified_at };
  }

  async acquireLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<boolean> {
    const row = await this.one<{ holder: string }>(
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.holder = excluded.holder OR leases.expires_at < $4
       RETURNING holder`,
      [name, holder, nowMs + ttlMs, nowMs],
    );
    return row?.holder === holder;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.pool.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
  }

  async purgeEvents(org: string, throughSeq: number, max: number): Promise<PurgeBatch | undefined> {
    const pk = await this.orgPk(org);
    if (pk === undefined) return undefined;
    const started = performance.now();
    const row = await this.one<{ deleted: number; from_seq: number; to_seq: number }>(
      'SELECT deleted, from_seq, to_seq FROM trailmark_purge($1, $2, $3)',
      [pk, throughSeq, max],
    );
    return (
      row && {
        count: Number(row.deleted),
        from_seq: Number(row.from_seq),
        to_seq: Number(row.to_seq),
        held_ms: performance.now() - started,
      }
    );
  }

  async pruneRequestEntries(
    org: string,
    fromSeq: number,
    throughSeq: number,
    max: number,
  ): Promise<PruneBatch> {
    const pk = await this.orgPk(org);
    if (pk === undefined) return { count: 0, through_seq: throughSeq };
    const to = Math.min(throughSeq, fromSeq + max - 1);
    return this.inTransaction(async (client) => {
      const pruned = await client.query<{ count: string }>(
        'SELECT trailmark_prune_requests($1, $2, $3) AS count',
        [pk, fromSeq, to],
      );
      await client.query(
        `INSERT INTO retention_state (org_pk, request_pruned_through) VALUES ($1, $2)
         ON CONFLICT (org_pk) DO UPDATE SET request_pruned_through = excluded.request_pruned_through`,
        [pk, to],
      );
      return { count: Number(pruned.rows[0]?.count ?? 0), through_seq: to };
    });
  }

  async retentionProgress(org: string): Promise<RetentionProgress> {
    const row = await this.one<RetentionProgress>(
      `SELECT r.request_pruned_through FROM retention_state r JOIN orgs o ON o.pk = r.org_pk WHERE o.id = $1`,
      [org],
    );
    return row ?? { request_pruned_through: 0 };
  }
}
