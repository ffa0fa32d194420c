import { availableParallelism } from 'node:os';
import { DEFAULT_SEARCH_CACHE_MIB } from './store/block-cache.js';

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
  /** Memory for the search blocks' bits, in MiB, per process (see BlockCache). */
  searchCacheMiB: number;
  /** CSP frame-ancestors for the embedded viewer (/embed). */
  embedFrameAncestors: string;
  /** Behind a reverse proxy: take the client IP and protocol from X-Forwarded-For/-Proto. */
  trustProxy: boolean;
  /** Where people reach the dashboard; invitation links start with it. */
  publicUrl: string;
  smtpUrl: string | undefined;
  smtpFrom: string;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  loginMaxFailuresPerIp: number;
  loginMaxFailuresPerAccount: number;
  loginWindowMinutes: number;
  /** The first owner's email, created on the first start when there are no users. */
  ownerEmail: string;
  /** Encrypts the checkpoint signing key at rest; without it the key is stored in clear. */
  secret: string | undefined;
  /** Whether this process signs checkpoints (another process on the same database may instead). */
  checkpointer: boolean;
  /** Whether this process runs alert detectors and rules (another process on the same database may instead). */
  alerts: boolean;
  checkpointEveryEvents: number;
  checkpointMaxAgeMs: number;
  retentionIntervalMs: number;
  /** Parts of a long chain walked at once in POST /v1/chain/verify (threads on SQLite). */
  verifyThreads: number;
  /** A chain is split only into parts of at least this many events. */
  verifyPartMinEvents: number;
  /**
   * How long a shutdown waits for answers still being sent (a client that stopped reading, a
   * long export) before it closes their connections.
   */
  shutdownGraceMs: number;
}

function boolFrom(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new Error(`${name} must be true or false (got "${env[name]}")`);
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
  const port = intFrom(env, 'PORT', 3000, 0, 65535);
  return {
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL || './data/trailmark.db',
    adminKey: env.TRAILMARK_ADMIN_KEY || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    geoipDir: env.TRAILMARK_GEOIP_DIR || undefined,
    maxQueuedEvents: intFrom(env, 'TRAILMARK_INGEST_QUEUE_MAX', 100_000, 1000, 10_000_000),
    maxCommitEvents: intFrom(env, 'TRAILMARK_COMMIT_MAX_EVENTS', 10_000, 1, 100_000),
    searchCacheMiB: intFrom(env, 'TRAILMARK_SEARCH_CACHE_MIB', DEFAULT_SEARCH_CACHE_MIB, 0, 1_048_576),
    embedFrameAncestors: frameAncestors(env.TRAILMARK_EMBED_FRAME_ANCESTORS),
    trustProxy: boolFrom(env, 'TRAILMARK_TRUST_PROXY', false),
    publicUrl: (env.TRAILMARK_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    smtpUrl: env.SMTP_URL || undefined,
    smtpFrom: env.SMTP_FROM || 'Trailmark <trailmark@localhost>',
    sessionIdleMinutes: intFrom(env, 'TRAILMARK_SESSION_IDLE_MINUTES', 60, 1, 7 * 24 * 60),
    sessionMaxHours: intFrom(env, 'TRAILMARK_SESSION_MAX_HOURS', 12, 1, 30 * 24),
    loginMaxFailuresPerIp: intFrom(env, 'TRAILMARK_LOGIN_MAX_FAILURES_PER_IP', 10, 1, 1_000_000),
    loginMaxFailuresPerAccount: intFrom(env, 'TRAILMARK_LOGIN_MAX_FAILURES_PER_ACCOUNT', 5, 1, 1_000_000),
    loginWindowMinutes: intFrom(env, 'TRAILMARK_LOGIN_WINDOW_MINUTES', 15, 1, 24 * 60),
    ownerEmail: (env.TRAILMARK_OWNER_EMAIL || 'admin@localhost').trim().toLowerCase(),
    secret: env.TRAILMARK_SECRET || undefined,
    checkpointer: boolFrom(env, 'TRAILMARK_CHECKPOINTER', true),
    alerts: boolFrom(env, 'TRAILMARK_ALERTS', true),
    checkpointEveryEvents: intFrom(env, 'TRAILMARK_CHECKPOINT_EVERY', 1000, 1, 1000),
    checkpointMaxAgeMs: intFrom(env, 'TRAILMARK_CHECKPOINT_MAX_AGE_SECONDS', 60, 1, 60) * 1000,
    retentionIntervalMs: intFrom(env, 'TRAILMARK_RETENTION_INTERVAL_MINUTES', 60, 1, 1440) * 60_000,
    verifyThreads: intFrom(env, 'TRAILMARK_VERIFY_THREADS', Math.min(4, availableParallelism()), 1, 64),
    verifyPartMinEvents: intFrom(env, 'TRAILMARK_VERIFY_PART_MIN_EVENTS', 100_000, 1, 1_000_000_000),
    shutdownGraceMs: intFrom(env, 'TRAILMARK_SHUTDOWN_GRACE_SECONDS', 5, 0, 3600) * 1000,
  };
}
