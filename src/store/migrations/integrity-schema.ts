import { type Kysely, sql } from 'kysely';
import type { ColumnTypes } from './column-types.js';
import { optional, required, rowPer } from './table-builders.js';

/**
 * The tables of signing keys, signed checkpoints, retention anchors and the state of the
 * background jobs (migration 002_integrity on both backends, which add the guards that make
 * checkpoints and chain links as immutable as events). Links of request log entries whose
 * content retention removed keep their place in the chain in `pruned_events`.
 */
export async function createIntegrityTables(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  // Rows of each org's chain, keyed (org_pk, seq): on SQLite the key alone, WITHOUT ROWID.
  const chainRows = (name: string) => {
    const table = db.schema
      .createTable(name)
      .$call(required('integer', 'org_pk'))
      .$call(required(t.bigint, 'seq'))
      .addPrimaryKeyConstraint(`${name}_pkey`, ['org_pk', 'seq']);
    return t.withoutRowid ? table.modifyEnd(sql`without rowid`) : table;
  };

  await rowPer(db, 'signing_keys', 'id', 'text')
    .$call(required('text', 'public_key', 'private_key'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('active', 'retired')`))
    .$call(required('text', 'created_at'))
    .$call(optional('text', 'retired_at'))
    .execute();
  // At most one active key, even when two processes start on a new database at once.
  await db.schema
    .createIndex('signing_keys_one_active')
    .unique()
    .on('signing_keys')
    .column('status')
    .where(sql.ref('status'), '=', 'active')
    .execute();
  // signed_at is kept as the exact text that was signed.
  await chainRows('checkpoints')
    .$call(required(t.bigint, 'from_seq'))
    .$call(required('text', 'hash', 'tree_root', 'signed_at', 'key_id', 'signature'))
    .execute();
  await db.schema
    .createIndex('checkpoints_signed_at')
    .on('checkpoints')
    .columns(['org_pk', 'signed_at'])
    .execute();
  await chainRows('pruned_events')
    .$call(required('text', 'prev_hash', 'hash'))
    .$call(required(t.time, 'pruned_at'))
    .execute();
  await rowPer(db, 'chain_anchors', 'org_pk', 'integer')
    .$call(required(t.bigint, 'seq'))
    .$call(required('text', 'prev_hash'))
    .$call(required(t.time, 'updated_at'))
    .execute();
  await rowPer(db, 'retention_state', 'org_pk', 'integer')
    .addColumn('request_pruned_through', t.bigint, (c) => c.notNull().defaultTo(0))
    .execute();
  await rowPer(db, 'chain_verifications', 'org_pk', 'integer')
    .$call(required(t.json, 'report'))
    .$call(required('text', 'verified_at'))
    .execute();
  await rowPer(db, 'leases', 'name', 'text')
    .$call(required('text', 'holder'))
    .$call(required(t.bigint, 'expires_at'))
    .execute();
}
