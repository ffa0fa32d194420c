import type { Problem } from './types.js';

/**
 * Why events were not delivered, or a read failed:
 * - `rejected`: the server refused them (400, 401, 403, 404, 409, 413, …); never retried;
 * - `invalid`: refused before sending (not an event, not serialisable, too large for a request);
 * - `queue_full`: the queue was at its bound and the overflow policy dropped them;
 * - `retries_exhausted`: `maxAttempts` transient failures in a row;
 * - `undelivered`: still unsent when `shutdown()` reached its deadline, with no spool to keep them;
 * - `closed`: recorded after `shutdown()` began;
 * - `spool`: the spool could not be opened or written (delivery goes on from memory);
 * - `api`: a read helper's request failed.
 */
export type TrailmarkErrorKind =
  | 'rejected'
  | 'invalid'
  | 'queue_full'
  | 'retries_exhausted'
  | 'undelivered'
  | 'closed'
  | 'spool'
  | 'api';

export class TrailmarkError extends Error {
  readonly kind: TrailmarkErrorKind;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** The server's problem+json body, when it sent one. */
  readonly problem: Problem | undefined;
  /** Ids of the events this error is about (none for reads and spool errors). */
  readonly eventIds: readonly string[];
  private readonly eventJson: readonly string[];

  constructor(
    kind: TrailmarkErrorKind,
    message: string,
    options: {
      status?: number;
      problem?: Problem;
      eventIds?: readonly string[];
      eventJson?: readonly string[];
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrailmarkError';
    this.kind = kind;
    this.status = options.status;
    this.problem = options.problem;
    this.eventIds = options.eventIds ?? [];
    this.eventJson = options.eventJson ?? [];
  }

  /** The events this error is about, as they were queued (with their ids), e.g. to keep elsewhere. */
  events(): unknown[] {
    return this.eventJson.map((json) => JSON.parse(json) as unknown);
  }
}
