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
  /** CSP frame-ancestors for the embedded viewer (/embed). */
  embedFrameAncestors: string;
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

/** Space-separated origins (`https://app.example.com`), `'self'` or `*`; nothing that breaks the header. */
function frameAncestors(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return '*';
  const value = raw.trim();
  if (!/^[A-Za-z0-9*:/.'\- ]+$/.test(value)) {
    throw new Error(`TRAILMARK_EMBED_FRAME_ANCESTORS must be origins separated by spaces (got "${raw}")`);
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
    embedFrameAncestors: frameAncestors(env.TRAILMARK_EMBED_FRAME_ANCESTORS),
  };
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
