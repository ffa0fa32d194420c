import { type Kysely, type Migration, Migrator } from 'kysely';

/**
 * Runs the migrations `db` has not recorded yet. Areas number their migrations (002 integrity,
 * 003 identity) and may land in any order. On PostgreSQL Kysely holds an advisory lock
 * meanwhile: processes starting together take turns.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  migrations: Record<string, Migration>,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
