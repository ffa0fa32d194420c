import { type Kysely, sql } from 'kysely';

/**
 * Makes the rows of `table` immutable: triggers refuse every UPDATE, and every DELETE, or, where
 * `purgeable`, every DELETE but the retention purge's, which opens the gate of 001_core inside
 * its own transaction. `rows` names them in the refusal ("events are immutable"). The triggers'
 * text is kept as it was first written: databases hold it.
 */
export async function refuseChanges(
  db: Kysely<unknown>,
  table: string,
  rows: string,
  { purgeable }: { purgeable: boolean },
): Promise<void> {
  await sql
    .raw(`CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
    BEGIN SELECT RAISE(ABORT, '${rows} are immutable'); END`)
    .execute(db);
  const deleting = purgeable
    ? `
    WHEN (SELECT open FROM purge_gate WHERE id = 1) IS NOT 1
    BEGIN SELECT RAISE(ABORT, '${rows} are immutable: only the retention purge deletes'); END`
    : `
    BEGIN SELECT RAISE(ABORT, '${rows} are immutable'); END`;
  await sql.raw(`CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}${deleting}`).execute(db);
}
