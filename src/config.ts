/** Every setting comes from the environment; the README's table lists them all. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  adminKey: string | undefined;
  logLevel: string;
  geoipDir: string | undefined;
  maxQueuedEvents: number;
  maxCommitEvents: number;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intFrom(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL || './data/trailmark.db',
    adminKey: env.TRAILMARK_ADMIN_KEY || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    geoipDir: env.TRAILMARK_GEOIP_DIR || undefined,
    maxQueuedEvents: intFrom(env, 'TRAILMARK_INGEST_QUEUE_MAX', 100_000, 1000, 10_000_000),
    maxCommitEvents: intFrom(env, 'TRAILMARK_COMMIT_MAX_EVENTS', 10_000, 1, 100_000),
  };
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
