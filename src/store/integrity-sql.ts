import { chainSql, checkpointsSql } from './chain-sql.js';
import type { ChainStore } from './chain-store.js';
import { compiledOnce } from './compiled-once.js';
import { type IntegrityConnection, orgPk, type RetentionDialect } from './integrity-connection.js';
import type { IntegrityStores } from './integrity-stores.js';
import type { LeaseStore } from './lease-store.js';
import { hasNul } from './nul.js';
import type { RetentionStore } from './retention-store.js';
import type { SigningKeyStore } from './signing-key-store.js';
import type { StoredVerification, VerificationStore } from './verification-store.js';

/**
 * The integrity queries (signing keys, verifications, leases, retention; checkpoints and chain
 * links are in chain-sql.ts), written once with Kysely for both backends: they use only what
 * SQLite and PostgreSQL share (ON CONFLICT, RETURNING, correlated subqueries). What differs is
 * how each backend runs a query and how events leave the chain (integrity-connection.ts).
 */

/** Every integrity store of a backend, over its connection and with its own pieces. */
export function integritySql(
  c: IntegrityConnection,
  dialect: RetentionDialect,
  walkParts: ChainStore['walkParts'],
): IntegrityStores {
  return {
    signingKeys: signingKeysSql(c),
    checkpoints: checkpointsSql(c),
    chain: { ...chainSql(c), walkParts },
    verifications: verificationsSql(c),
    leases: leasesSql(c),
    retention: retentionSql(c, dialect),
  };
}

function signingKeysSql(c: IntegrityConnection): SigningKeyStore {
  // Read for every range the checkpointer signs.
  const all = compiledOnce(() =>
    c.db.selectFrom('signing_keys').selectAll().orderBy('created_at').orderBy('id'),
  );
  return {
    list: () => c.rows(all()),
    add: (key, mode) =>
      c.write(async (trx) => {
        if (mode === 'rotate') {
          await trx
            .updateTable('signing_keys')
            .set({ status: 'retired', retired_at: key.created_at })
            .where('status', '=', 'active')
            .execute();
        }
        // A second active key, or the same key twice, is refused by a unique index: not stored.
        const result = await trx
          .insertInto('signing_keys')
          .values({
            id: key.id,
            public_key: key.public_key,
            private_key: key.private_key,
            status: key.status,
            created_at: key.created_at,
          })
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        return result.numInsertedOrUpdatedRows === 1n;
      }),
    reseal: async (id, privateKey) => {
      await c.write((trx) =>
        trx.updateTable('signing_keys').set({ private_key: privateKey }).where('id', '=', id).execute(),
      );
    },
  };
}

function verificationsSql(c: IntegrityConnection): VerificationStore {
  return {
    async save(org, verification) {
      const pk = await orgPk(c, org);
      if (pk === undefined) return;
      const { verified_at, ...report } = verification;
      await c.write((trx) =>
        trx
          .insertInto('chain_verifications')
          .values({ org_pk: pk, report: JSON.stringify(report), verified_at })
          .onConflict((oc) =>
            oc.column('org_pk').doUpdateSet((eb) => ({
              report: eb.ref('excluded.report'),
              verified_at: eb.ref('excluded.verified_at'),
            })),
          )
          .execute(),
      );
    },
    async last(org) {
      if (hasNul(org)) return undefined;
      const [row] = await c.rows(
        c.db
          .selectFrom('chain_verifications as v')
          .innerJoin('orgs as o', 'o.pk', 'v.org_pk')
          .select(['v.report', 'v.verified_at'])
          .where('o.id', '=', org),
      );
      if (!row) return undefined;
      const report = typeof row.report === 'string' ? JSON.parse(row.report) : row.report;
      return { ...(report as StoredVerification), verified_at: row.verified_at };
    },
  };
}

function leasesSql(c: IntegrityConnection): LeaseStore {
  return {
    acquire: (name, holder, ttlMs, nowMs) =>
      c.write(async (trx) => {
        const row = await trx
          .insertInto('leases')
          .values({ name, holder, expires_at: nowMs + ttlMs })
          .onConflict((oc) =>
            oc
              .column('name')
              .doUpdateSet((eb) => ({
                holder: eb.ref('excluded.holder'),
                expires_at: eb.ref('excluded.expires_at'),
              }))
              .where((eb) =>
                eb.or([
                  eb('leases.holder', '=', eb.ref('excluded.holder')),
                  eb('leases.expires_at', '<', nowMs),
                ]),
              ),
          )
          .returning('holder')
          .executeTakeFirst();
        return row?.holder === holder;
      }),
    release: async (name, holder) => {
      await c.write((trx) =>
        trx.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute(),
      );
    },
  };
}

function retentionSql(c: IntegrityConnection, dialect: RetentionDialect): RetentionStore {
  return {
    async purge(org, throughSeq, max) {
      const pk = await orgPk(c, org);
      if (pk === undefined) return undefined;
      return c.write(async (trx) => {
        const started = performance.now();
        const batch = await dialect.purge(trx, pk, throughSeq, max);
        return batch && { ...batch, held_ms: performance.now() - started };
      });
    },
    async pruneRequests(org, fromSeq, throughSeq, max) {
      const pk = await orgPk(c, org);
      if (pk === undefined) return { count: 0, through_seq: throughSeq };
      const to = Math.min(throughSeq, fromSeq + max - 1);
      return c.write(async (trx) => {
        const count = await dialect.pruneRequests(trx, pk, fromSeq, to);
        await trx
          .insertInto('retention_state')
          .values({ org_pk: pk, request_pruned_through: to })
          .onConflict((oc) =>
            oc
              .column('org_pk')
              .doUpdateSet((eb) => ({ request_pruned_through: eb.ref('excluded.request_pruned_through') })),
          )
          .execute();
        return { count, through_seq: to };
      });
    },
    async progress(org) {
      if (hasNul(org)) return { request_pruned_through: 0 };
      const [row] = await c.rows(
        c.db
          .selectFrom('retention_state as r')
          .innerJoin('orgs as o', 'o.pk', 'r.org_pk')
          .select('r.request_pruned_through')
          .where('o.id', '=', org),
      );
      return row ?? { request_pruned_through: 0 };
    },
  };
}
