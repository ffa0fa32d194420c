import { sql } from 'kysely';
import { DERIVED_COLUMNS } from '../domain/event-columns.js';
import { type ChainLink, GENESIS } from '../integrity/chain-verifier.js';
import type { Checkpoint } from '../integrity/checkpoint.js';
import type { ChainStore } from './chain-store.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { compiledOnce } from './compiled-once.js';
import type { IntegrityConnection } from './integrity-connection.js';
import { hasNul } from './nul.js';

/**
 * The reads of chain walks, exports and the checkpointer (checkpoints and chain links), and the
 * checkpoints' one write, written once with Kysely for both backends (see integrity-sql.ts).
 * Walks read thousands of links per query: links come as arrays, and each becomes one object.
 */

type Db = IntegrityConnection['db'];

function checkpointsOf(db: Db, org: string) {
  return db
    .selectFrom('checkpoints as c')
    .innerJoin('orgs as o', 'o.pk', 'c.org_pk')
    .select([
      'o.id as org',
      'c.seq',
      'c.from_seq',
      'c.hash',
      'c.tree_root',
      'c.signed_at',
      'c.key_id',
      'c.signature',
    ])
    .where('o.id', '=', org);
}

export function checkpointsSql(c: IntegrityConnection): CheckpointStore {
  const latest = compiledOnce((org: string) => checkpointsOf(c.db, org).orderBy('c.seq', 'desc').limit(1));
  const covering = compiledOnce((org: string, seq: number) =>
    checkpointsOf(c.db, org).where('c.seq', '>=', seq).orderBy('c.seq').limit(1),
  );
  const list = compiledOnce((org: string, fromSeq: number, limit: number) =>
    checkpointsOf(c.db, org).where('c.seq', '>=', fromSeq).orderBy('c.seq').limit(limit),
  );
  const signedBefore = compiledOnce((org: string, time: string) =>
    checkpointsOf(c.db, org)
      .where('c.signed_at', '<', time)
      .orderBy('c.signed_at', 'desc')
      .orderBy('c.seq', 'desc')
      .limit(1),
  );
  return {
    unsignedTails() {
      const orgs = c.db
        .selectFrom('orgs as o')
        .leftJoin('chain_anchors as a', 'a.org_pk', 'o.pk')
        .select((eb) => {
          // The newest checkpoint's seq and hash, each a probe of its primary key per org: joined
          // instead, PostgreSQL hashes every checkpoint there is (8 times slower at 100,000).
          const newest = (column: 'seq' | 'hash') =>
            eb
              .selectFrom('checkpoints as n')
              .select(`n.${column}`)
              .whereRef('n.org_pk', '=', 'o.pk')
              .orderBy('n.seq', 'desc')
              .limit(1);
          return [
            'o.id as org',
            'o.head_seq',
            'o.head_hash',
            eb.fn
              .coalesce(newest('seq'), eb('a.seq', '-', eb.lit(1)), eb.lit(0))
              .$castTo<number>()
              .as('signed_seq'),
            eb.fn
              .coalesce(newest('hash'), 'a.prev_hash', eb.val(GENESIS))
              .$castTo<string>()
              .as('signed_hash'),
          ];
        });
      return c.rows(c.db.selectFrom(orgs.as('t')).selectAll().whereRef('t.head_seq', '>', 't.signed_seq'));
    },
    async latest(org) {
      if (hasNul(org)) return undefined;
      const [cp] = await c.rows(latest(org));
      return cp;
    },
    async covering(org, seq) {
      if (hasNul(org)) return undefined;
      const [cp] = await c.rows(covering(org, seq));
      return cp;
    },
    async list(org, fromSeq, limit) {
      if (hasNul(org)) return [];
      return c.rows(list(org, fromSeq, limit));
    },
    async signedBefore(org, time) {
      if (hasNul(org)) return undefined;
      const [cp] = await c.rows(signedBefore(org, time));
      return cp;
    },
    async insert(cps) {
      if (cps.length === 0 || hasNul(cps[0]!.org)) return 0;
      const org = cps[0]!.org;
      // One write for the lot: on SQLite each write waits for the ingest writer's commit in
      // progress, so a checkpoint per write falls behind a busy org.
      return c.write(async (trx) => {
        let stored = 0;
        for (const cp of cps) {
          if (cp.org !== org) break;
          const result = await insertIfNext(trx, cp).executeTakeFirst();
          if (result.numInsertedOrUpdatedRows !== 1n) break;
          stored += 1;
        }
        return stored;
      });
    },
  };
}

/**
 * Stores `cp` only if it starts right after the org's newest checkpoint (or at the retained
 * chain's start), in one statement; the primary key refuses a second checkpoint at one seq.
 */
function insertIfNext(trx: Db, cp: Checkpoint) {
  return trx
    .insertInto('checkpoints')
    .columns(['org_pk', 'seq', 'from_seq', 'hash', 'tree_root', 'signed_at', 'key_id', 'signature'])
    .expression((eb) =>
      eb
        .selectFrom('orgs as o')
        .select([
          'o.pk',
          eb.val(cp.seq).as('seq'),
          eb.val(cp.from_seq).as('from_seq'),
          eb.val(cp.hash).as('hash'),
          eb.val(cp.tree_root).as('tree_root'),
          eb.val(cp.signed_at).as('signed_at'),
          eb.val(cp.key_id).as('key_id'),
          eb.val(cp.signature).as('signature'),
        ])
        .where('o.id', '=', cp.org)
        .where((w) => {
          const afterNewest = w
            .selectFrom('checkpoints as n')
            .select((n) => n(n.fn.max('n.seq'), '+', n.lit(1)).as('next'))
            .whereRef('n.org_pk', '=', 'o.pk');
          const anchor = w.selectFrom('chain_anchors as a').select('a.seq').whereRef('a.org_pk', '=', 'o.pk');
          return w(w.val(cp.from_seq), '=', w.fn.coalesce(afterNewest, anchor, w.lit(1)));
        }),
    )
    .onConflict((oc) => oc.doNothing());
}

/** An event's link as read: its body, or null when read without bodies; then any columns. */
type LinkRow = [seq: number, prev_hash: string, hash: string, body: string | null, ...columns: unknown[]];
/** A request log entry's link whose content retention removed. */
type PrunedRow = [seq: number, prev_hash: string, hash: string];

export function chainSql(c: IntegrityConnection): Omit<ChainStore, 'walkParts'> {
  const orgPk = compiledOnce((org: string) => c.db.selectFrom('orgs').select('pk').where('id', '=', org));
  const pkOf = async (org: string) => (hasNul(org) ? undefined : (await c.rows(orgPk(org)))[0]?.pk);
  const anchor = compiledOnce((org: string) =>
    c.db
      .selectFrom('chain_anchors as a')
      .innerJoin('orgs as o', 'o.pk', 'a.org_pk')
      .select(['a.seq', 'a.prev_hash'])
      .where('o.id', '=', org),
  );
  const eventLinks = (bodies: boolean) =>
    compiledOnce((pk: number, fromSeq: number, toSeq: number, limit: number) =>
      c.db
        .selectFrom('events')
        .select(['seq', 'prev_hash', 'hash'])
        .select(bodies ? 'body' : sql<null>`null`.as('body'))
        .where('org_pk', '=', pk)
        .where((eb) => eb.between('seq', fromSeq, toSeq))
        .orderBy('seq')
        .limit(limit),
    );
  const [withBodies, withoutBodies] = [eventLinks(true), eventLinks(false)];
  // Verification's read: each link with the columns derived from its body, in DERIVED_COLUMNS
  // order after the body, to be compared with what the body says.
  const withColumns = compiledOnce((pk: number, fromSeq: number, toSeq: number, limit: number) =>
    c.db
      .selectFrom('events')
      .select(['seq', 'prev_hash', 'hash', 'body'])
      .select(
        DERIVED_COLUMNS.map((name) => (name === 'occurred_at' ? c.eventTimeMs : sql.ref(name)).as(name)),
      )
      .where('org_pk', '=', pk)
      .where((eb) => eb.between('seq', fromSeq, toSeq))
      .orderBy('seq')
      .limit(limit),
  );
  const prunedLinks = compiledOnce((pk: number, fromSeq: number, toSeq: number) =>
    c.db
      .selectFrom('pruned_events')
      .select(['seq', 'prev_hash', 'hash'])
      .where('org_pk', '=', pk)
      .where((eb) => eb.between('seq', fromSeq, toSeq))
      .orderBy('seq'),
  );
  const leaves = compiledOnce((pk: number, fromSeq: number, toSeq: number) =>
    c.db
      .selectFrom('events')
      .select(['seq', 'hash'])
      .where('org_pk', '=', pk)
      .where((eb) => eb.between('seq', fromSeq, toSeq))
      .unionAll(
        c.db
          .selectFrom('pruned_events')
          .select(['seq', 'hash'])
          .where('org_pk', '=', pk)
          .where((eb) => eb.between('seq', fromSeq, toSeq)),
      )
      .orderBy('seq'),
  );
  const body = compiledOnce((pk: number, seq: number) =>
    c.db.selectFrom('events').select('body').where('org_pk', '=', pk).where('seq', '=', seq),
  );

  return {
    async start(org) {
      const genesis = { seq: 1, prev_hash: GENESIS };
      if (hasNul(org)) return genesis;
      const [row] = await c.rows(anchor(org));
      return row ?? genesis;
    },

    /** Events, then the pruned links in the same stretch, merged in seq order. */
    async links(org, fromSeq, toSeq, limit, options = {}) {
      const pk = await pkOf(org);
      if (pk === undefined) return [];
      const read = options.columns ? withColumns : options.bodies === false ? withoutBodies : withBodies;
      const events = await c.arrays<LinkRow>(read(pk, fromSeq, toSeq, limit));
      const upper = events.length === limit ? events[events.length - 1]![0] : toSeq;
      const pruned = await c.arrays<PrunedRow>(prunedLinks(pk, fromSeq, upper));
      return merged(events, pruned, limit);
    },

    async hashes(org, fromSeq, toSeq) {
      const pk = await pkOf(org);
      if (pk === undefined) return [];
      const rows = await c.arrays<[number, string]>(leaves(pk, fromSeq, toSeq));
      return rows.map((r) => r[1]);
    },

    async receivedAt(org, seq) {
      const pk = await pkOf(org);
      if (pk === undefined) return undefined;
      const [row] = await c.rows(body(pk, seq));
      if (!row) return undefined;
      const value = (JSON.parse(row.body) as { received_at?: unknown }).received_at;
      return typeof value === 'string' ? value : undefined;
    },
  };
}

/** Links of `events` and `pruned` (each in seq order) in one seq order, at most `limit`. */
function merged(events: LinkRow[], pruned: PrunedRow[], limit: number): ChainLink[] {
  const link = (r: LinkRow | PrunedRow, body: string | null): ChainLink =>
    r.length > 4
      ? { seq: r[0], prev_hash: r[1], hash: r[2], body, columns: r.slice(4) }
      : { seq: r[0], prev_hash: r[1], hash: r[2], body };
  if (pruned.length === 0) {
    const out: ChainLink[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) out[i] = link(events[i]!, events[i]![3]);
    return out;
  }
  const out: ChainLink[] = [];
  let p = 0;
  for (const r of events) {
    while (p < pruned.length && pruned[p]![0] < r[0]) out.push(link(pruned[p++]!, null));
    out.push(link(r, r[3]));
  }
  while (p < pruned.length) out.push(link(pruned[p++]!, null));
  return out.slice(0, limit);
}

/** The org's head as the connection sees it (in a walk's snapshot: as of the snapshot). */
export async function chainHeadIn(
  c: IntegrityConnection,
  org: string,
): Promise<{ seq: number; hash: string } | undefined> {
  if (hasNul(org)) return undefined;
  const [row] = await c.rows(
    c.db.selectFrom('orgs').select(['head_seq as seq', 'head_hash as hash']).where('id', '=', org),
  );
  return row;
}
