import { AppError } from '../domain/errors.js';

/**
 * Errors that mean the database cannot serve right now (stopped, restarting, unreachable, out of
 * disk), as opposed to a request it refused or a fault in Trailmark. They are answered 503 with
 * Retry-After: the client retries what was not acknowledged, and nothing acknowledged is lost,
 * because an acknowledgement is only sent after a durable commit.
 */

/** Seconds a client is asked to wait before retrying while the database is unavailable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/** PostgreSQL SQLSTATEs (besides class 08, connection exceptions) that mean "not now". */
const POSTGRES_STATES: Record<string, string> = {
  '57P01': 'PostgreSQL is shutting down (57P01 admin_shutdown)',
  '57P02': 'PostgreSQL crashed (57P02 crash_shutdown)',
  '57P03': 'PostgreSQL is starting up (57P03 cannot_connect_now)',
  '53100': 'PostgreSQL is out of disk space (53100 disk_full)',
  '53200': 'PostgreSQL is out of memory (53200 out_of_memory)',
  '53300': 'PostgreSQL has no free connection (53300 too_many_connections)',
  '58030': 'PostgreSQL could not read or write a file (58030 io_error)',
};

/** SQLite result codes (extended codes start with these). */
const SQLITE_CODES: Array<[prefix: string, reason: string]> = [
  ['SQLITE_FULL', 'the disk is full'],
  ['SQLITE_IOERR', 'the disk could not be read or written'],
  ['SQLITE_BUSY', 'the database file stayed locked'],
  ['SQLITE_CANTOPEN', 'the database file cannot be opened'],
  ['SQLITE_READONLY', 'the database file became read-only'],
  ['SQLITE_NOMEM', 'SQLite ran out of memory'],
];

/** Operating-system errors, from a socket to PostgreSQL or from a file. */
const SYSTEM_CODES: Record<string, string> = {
  ECONNREFUSED: 'the database refused the connection',
  ECONNRESET: 'the connection to the database was reset',
  ETIMEDOUT: 'the connection to the database timed out',
  EPIPE: 'the connection to the database was closed',
  EHOSTUNREACH: 'the database host is unreachable',
  ENETUNREACH: 'the database host is unreachable',
  ENOTFOUND: 'the database host name does not resolve',
  EAI_AGAIN: 'the database host name does not resolve',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EIO: 'the disk could not be read or written',
  EROFS: 'the file system is read-only',
};

/** What `pg` and pg-pool say, without a code, when a connection is lost or cannot be had. */
const POSTGRES_CLIENT_MESSAGES = [
  /^Connection terminated/,
  /is not queryable/,
  /timeout exceeded when trying to connect/,
  /^Cannot use a pool after calling end/,
];

function reasonOf(error: object): string | undefined {
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code) {
    if (POSTGRES_STATES[code]) return POSTGRES_STATES[code];
    if (/^08[0-9A-Z]{3}$/.test(code)) return `the connection to PostgreSQL failed (${code})`;
    const sqlite = SQLITE_CODES.find(([prefix]) => code.startsWith(prefix));
    if (sqlite) return `${sqlite[1]} (${code})`;
    if (SYSTEM_CODES[code]) return `${SYSTEM_CODES[code]} (${code})`;
  }
  const message = 'message' in error && typeof error.message === 'string' ? error.message : '';
  if (POSTGRES_CLIENT_MESSAGES.some((pattern) => pattern.test(message))) return message;
  return undefined;
}

/**
 * Why the database is unavailable, when `error` (or an error it was caused by) says it is;
 * undefined for every other error.
 */
export function unavailableReason(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const reason = reasonOf(e);
    if (reason) return reason;
    e = 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

/** The answer to a request while the database is unavailable: 503 with Retry-After. */
export function storeUnavailable(): AppError {
  return new AppError('unavailable', 'the database is unavailable; retry in a few seconds', {
    retryAfter: UNAVAILABLE_RETRY_AFTER_SECONDS,
  });
}

export interface AvailabilityChange {
  available: boolean;
  /** Why it became unavailable (also given when it is available again). */
  reason: string;
}

/**
 * Whether the database takes writes, as the latest outcomes tell: an error that means
 * "unavailable" turns it off, and only writes that commit with no such error for `settleMs`
 * turn it on again (on a nearly full disk small commits fit while large ones fail; without the
 * wait the state flapped with every commit). A change is reported once, so an outage is one log
 * line when it starts and one when it ends, rather than a stack per failed request. Reads are
 * no evidence: on a full disk they succeed.
 */
export class StoreAvailability {
  private down: string | undefined;
  private lastFailure = Number.NEGATIVE_INFINITY;
  private readonly settleMs: number;
  private readonly now: () => number;

  constructor(
    private readonly onChange: (change: AvailabilityChange) => void = () => {},
    options: { settleMs?: number; now?: () => number } = {},
  ) {
    this.settleMs = options.settleMs ?? 2000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Why the database is unavailable, or undefined while it takes writes. */
  get unavailable(): string | undefined {
    return this.down;
  }

  /** For an error that means the database is unavailable: notes it and answers the 503 to send. */
  refusal(error: unknown): AppError | undefined {
    const reason = unavailableReason(error);
    if (reason === undefined) return undefined;
    this.lastFailure = this.now();
    if (this.down === undefined) {
      this.down = reason;
      this.onChange({ available: false, reason });
    }
    return storeUnavailable();
  }

  /** A write committed: the database takes writes again, once none has failed for a while. */
  wrote(): void {
    if (this.down === undefined || this.now() - this.lastFailure < this.settleMs) return;
    const reason = this.down;
    this.down = undefined;
    this.onChange({ available: true, reason });
  }
}
