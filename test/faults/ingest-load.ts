/**
 * Concurrent ingest for the fault suite: writers posting batches with client-chosen ids, each
 * retrying its batch until it is acknowledged (safe: ingest is idempotent on the id). Every
 * acknowledgement and every other outcome is recorded with the time it arrived.
 */

export interface LoadOptions {
  url: string;
  key: string;
  writers: number;
  /** Events per request. */
  batchSize: number;
  /** Pause before retrying a refused or failed request. */
  retryPauseMs?: number;
  /** Pause after an acknowledgement: bounds the rate, hence the data a long run leaves to check. */
  paceMs?: number;
  /** Prefix of the event ids, so that several loads on one org never choose the same id. */
  idPrefix?: string;
}

/** A response that was not a 2xx, or a request that got no response at all. */
export interface Failure {
  /** performance.now() when it arrived. */
  at: number;
  /** The HTTP status; 0 when the request failed on the network (no response). */
  status: number;
  retryAfter: string | null;
  contentType: string | null;
  detail: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function event(prefix: string, writer: number, request: number, index: number) {
  return {
    id: `${prefix}w${writer}_r${request}_e${index}`,
    action: 'document.updated',
    actor: { type: 'user', id: `u_${writer}`, email: `writer${writer}@example.com` },
    resource: { type: 'document', id: `doc_${request % 31}` },
    description: `writer ${writer} request ${request} event ${index}`,
    metadata: { writer, request, index },
  };
}

export class IngestLoad {
  /** Acknowledged event id → the hash it was acknowledged with. */
  readonly acknowledged = new Map<string, string>();
  readonly failures: Failure[] = [];
  /** performance.now() of every 2xx, in arrival order per writer (not globally sorted). */
  private readonly okTimes: number[] = [];
  private stopped = false;
  private running: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {}

  start(): void {
    this.running = Array.from({ length: this.options.writers }, (_, n) => this.writer(n));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  get acknowledgedCount(): number {
    return this.acknowledged.size;
  }

  /** The first 2xx that arrived at or after `time` (performance.now()), if any. */
  firstOkAfter(time: number): number | undefined {
    let first: number | undefined;
    for (const at of this.okTimes) if (at >= time && (first === undefined || at < first)) first = at;
    return first;
  }

  failuresBetween(from: number, to: number): Failure[] {
    return this.failures.filter((f) => f.at >= from && f.at <= to);
  }

  private async writer(n: number): Promise<void> {
    const { url, key, batchSize, retryPauseMs = 100, paceMs = 0, idPrefix = '' } = this.options;
    for (let request = 0; !this.stopped; request++) {
      const events = Array.from({ length: batchSize }, (_, i) => event(idPrefix, n, request, i));
      const body = JSON.stringify({ events });
      // The same batch until it is acknowledged: a retry of stored events answers them again.
      while (!this.stopped) {
        try {
          const res = await fetch(`${url}/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(60_000),
          });
          const text = await res.text();
          const at = performance.now();
          if (res.status === 201) {
            const acks = (JSON.parse(text) as { events: Array<{ id: string; hash: string }> }).events;
            for (const ack of acks) this.acknowledged.set(ack.id, ack.hash);
            this.okTimes.push(at);
            if (paceMs > 0) await sleep(paceMs);
            break;
          }
          this.failures.push({
            at,
            status: res.status,
            retryAfter: res.headers.get('retry-after'),
            contentType: res.headers.get('content-type'),
            detail: text.slice(0, 300),
          });
        } catch (error) {
          const cause = (error as { cause?: { message?: string } }).cause;
          this.failures.push({
            at: performance.now(),
            status: 0,
            retryAfter: null,
            contentType: null,
            detail: `${(error as Error).message}${cause?.message ? `: ${cause.message}` : ''}`,
          });
        }
        await sleep(retryPauseMs);
      }
    }
  }
}
