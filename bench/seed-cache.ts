import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { POPULATION_VERSION } from './population.js';
import { type SeedPlan, seed } from './seed.js';

const ROOT = new URL('..', import.meta.url).pathname;
/** Seeded databases are kept here (SQLite files, and notes naming PostgreSQL databases). */
export const CACHE_DIR = process.env.TRAILMARK_BENCH_CACHE ?? join(ROOT, '.bench/cache');
/** A kept database older than this is seeded again: its events drift out of the default window. */
const MAX_AGE_DAYS = 7;

export interface SeededDatabase {
  url: string;
  /** True when a kept database was used as it was. */
  reused: boolean;
  events: number;
  /** Events per second of the seeding (that run's, when reused). */
  seedRate: number;
  /** Removes the database and its note. */
  drop(): Promise<void>;
}

interface Note {
  url: string;
  /** What was seeded, to find databases of the same plan left by an older generator or schema. */
  backend: string;
  orgs: Record<string, number>;
  events: number;
  seedRate: number;
  seededAt: string;
}

/**
 * A database holding `plan` seeded with the generator of `plan.generate` (named by `generator`):
 * the one kept in the cache when one was seeded with the same plan, generator and migrations,
 * less than a week ago, and finished; otherwise a new one, seeded and kept. Seeding 19,000,000
 * events takes an hour, so it is done once and the benchmarks run against it as often as needed.
 */
export async function seededDatabase(
  backend: string,
  plan: SeedPlan,
  generator: string,
  reseed = false,
): Promise<SeededDatabase> {
  const key = cacheKey(backend, plan, generator);
  const notePath = join(CACHE_DIR, `${key}.json`);
  mkdirSync(CACHE_DIR, { recursive: true });
  const place = await databasePlace(backend, key);
  const drop = async () => {
    await place.remove();
    rmSync(notePath, { force: true });
  };
  if (!reseed && existsSync(notePath) && (await place.exists())) {
    const note = JSON.parse(readFileSync(notePath, 'utf8')) as Note;
    if (Date.now() - Date.parse(note.seededAt) < MAX_AGE_DAYS * 86_400_000) {
      process.stderr.write(`reusing the seeded database ${note.url} (seeded ${note.seededAt})\n`);
      return { url: note.url, reused: true, events: note.events, seedRate: note.seedRate, drop };
    }
  }
  await drop(); // a stale, unfinished or unwanted one
  await dropSuperseded(backend, plan);
  await place.create();
  const seeded = await seed(place.url, plan);
  const note: Note = {
    url: place.url,
    backend,
    orgs: plan.orgs,
    events: seeded.events,
    seedRate: Math.round(seeded.events / seeded.seconds),
    seededAt: new Date().toISOString(),
  };
  writeFileSync(notePath, `${JSON.stringify(note, null, 2)}\n`);
  return { url: place.url, reused: false, events: note.events, seedRate: note.seedRate, drop };
}

/**
 * Removes kept databases of the same backend and plan seeded by another generator or schema:
 * at 10,000,000 events each holds tens of gigabytes, and nothing uses them again.
 */
async function dropSuperseded(backend: string, plan: SeedPlan): Promise<void> {
  for (const file of readdirSync(CACHE_DIR).filter((f) => f.endsWith('.json'))) {
    const note = JSON.parse(readFileSync(join(CACHE_DIR, file), 'utf8')) as Partial<Note>;
    if (note.backend !== backend || JSON.stringify(note.orgs) !== JSON.stringify(plan.orgs)) continue;
    process.stderr.write(`removing the superseded seeded database ${note.url}\n`);
    await (await databasePlace(backend, file.slice(0, -'.json'.length))).remove();
    rmSync(join(CACHE_DIR, file), { force: true });
  }
}

/** What the database's content depends on: backend, plan, generator and the schema's migrations. */
function cacheKey(backend: string, plan: SeedPlan, generator: string): string {
  const migrations = readdirSync(join(ROOT, 'src/store', backend, 'migrations')).sort();
  const what = JSON.stringify({
    orgs: plan.orgs,
    days: plan.days,
    generator,
    POPULATION_VERSION,
    migrations,
  });
  return `${backend}_${createHash('sha256').update(what).digest('hex').slice(0, 12)}`;
}

interface Place {
  url: string;
  exists(): Promise<boolean>;
  create(): Promise<void>;
  remove(): Promise<void>;
}

async function databasePlace(backend: string, key: string): Promise<Place> {
  if (backend === 'sqlite') {
    const dir = join(CACHE_DIR, key);
    const url = join(dir, 'trailmark.db');
    return {
      url,
      exists: async () => existsSync(url),
      create: async () => void mkdirSync(dir, { recursive: true }),
      remove: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const base = process.env.TRAILMARK_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const pg = (await import('pg')).default;
  const name = `trailmark_bench_cache_${key.replace(/[^a-z0-9_]/g, '')}`;
  const admin = async <T>(fn: (client: InstanceType<typeof pg.Client>) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    exists: () =>
      admin(
        async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1,
      ),
    create: () => admin(async (c) => void (await c.query(`CREATE DATABASE ${name}`))),
    remove: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
