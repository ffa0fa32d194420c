import { type CreateTableBuilder, type Kysely, sql } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * The tables of signing keys, signed checkpoints, retention anchors and the state of the
 * background jobs (migration 002_integrity on both backends, which add the guards that make
 * checkpoints and chain links as immutable as events). Links of request log entries whose
 * content retention removed keep their place in the chain in `pruned_events`.
 */
export async function createIntegrityTables(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  const keyedOnly = <N extends string, C extends string>(table: CreateTableBuilder<N, C>) =>
    t.withoutRowid ? table.modifyEnd(sql`without rowid`) : table;

  await db.schema
    .createTable('signing_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('active', 'retired')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
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
  await keyedOnly(
    db.schema
      .createTable('checkpoints')
      .addColumn('org_pk', 'integer', (c) => c.notNull())
      .addColumn('seq', t.bigint, (c) => c.notNull())
      .addColumn('from_seq', t.bigint, (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('tree_root', 'text', (c) => c.notNull())
      .addColumn('signed_at', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('checkpoints_pkey', ['org_pk', 'seq']),
  ).execute();
  await db.schema
    .createIndex('checkpoints_signed_at')
    .on('checkpoints')
    .columns(['org_pk', 'signed_at'])
    .execute();
  await keyedOnly(
    db.schema
      .createTable('pruned_events')
      .addColumn('org_pk', 'integer', (c) => c.notNull())
      .addColumn('seq', t.bigint, (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('pruned_at', t.time, (c) => c.notNull())
      .addPrimaryKeyConstraint('pruned_events_pkey', ['org_pk', 'seq']),
  ).execute();
  await db.schema
    .createTable('chain_anchors')
    .addColumn('org_pk', 'integer', (c) => c.primaryKey())
    .addColumn('seq', t.bigint, (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('retention_state')
    .addColumn('org_pk', 'integer', (c) => c.primaryKey())
    .addColumn('request_pruned_through', t.bigint, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('chain_verifications')
    .addColumn('org_pk', 'integer', (c) => c.primaryKey())
    .addColumn('report', t.json, (c) => c.notNull())
    .addColumn('verified_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', t.bigint, (c) => c.notNull())
    .execute();
}
