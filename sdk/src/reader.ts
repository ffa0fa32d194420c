import { backoffDelay, isTransientStatus, parseRetryAfter, type RetryPolicy, sleep } from './backoff.js';
import { TrailmarkError } from './errors.js';
import { type Connection, connectionHeaders, readProblem, requestSignal } from './http.js';
import type { ChainStatus, EventFilters, EventPage, StoredEvent, VerificationReport } from './types.js';

export type ExportFormat = 'csv' | 'jsonl';

export type ExportFilters = Omit<EventFilters, 'limit' | 'cursor'> & {
  /** JSONL only: each line carries its Merkle inclusion proof (docs/integrity.md). */
  withProof?: boolean;
};

/** A Node.js writable (fs.createWriteStream, an HTTP response, …), described by what is used of it. */
export interface NodeWritableLike {
  write(chunk: Uint8Array): boolean;
  end(callback?: () => void): unknown;
  once(event: 'drain' | 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
  removeListener(event: 'drain' | 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
}

export interface ExportOptions {
  /** End the Node destination when the export is complete (default true). */
  end?: boolean;
  signal?: AbortSignal;
}

function queryString(filters: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value === undefined || name === 'org' || name === 'withProof') continue;
    if (value instanceof Date) params.set(name, value.toISOString());
    else if (Array.isArray(value)) params.set(name, value.join(','));
    else params.set(name, String(value));
  }
  if (filters.withProof) params.set('with_proof', '1');
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The read side of the API: list, page, fetch one, export, verify. Reads retry like writes, briefly. */
export class Reader {
  constructor(
    private readonly connection: Connection,
    private readonly defaultOrg: string | undefined,
    private readonly policy: RetryPolicy,
  ) {}

  /** One page of events, newest first. */
  async list(filters: EventFilters = {}): Promise<EventPage> {
    return this.json<EventPage>('GET', `/v1/events${queryString({ ...filters })}`, filters.org);
  }

  /** Every page matching the filters, following next_cursor. */
  async *pages(filters: EventFilters = {}): AsyncGenerator<EventPage> {
    let cursor = filters.cursor;
    for (;;) {
      const page = await this.list(cursor === undefined ? filters : { ...filters, cursor });
      yield page;
      if (!page.next_cursor) return;
      cursor = page.next_cursor;
    }
  }

  /** Every event matching the filters, newest first, one page at a time underneath. */
  async *iterate(filters: EventFilters = {}): AsyncGenerator<StoredEvent> {
    for await (const page of this.pages(filters)) yield* page.data;
  }

  /** One event, whole; undefined when there is none with this id (or it is not yours to see). */
  async get(id: string, options: { org?: string } = {}): Promise<StoredEvent | undefined> {
    try {
      return await this.json<StoredEvent>('GET', `/v1/events/${encodeURIComponent(id)}`, options.org);
    } catch (error) {
      if (error instanceof TrailmarkError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Verifies the organization's whole retained chain against its signed checkpoints. */
  verify(options: { org?: string } = {}): Promise<VerificationReport> {
    return this.json<VerificationReport>('POST', '/v1/chain/verify', options.org);
  }

  /** The chain head, newest signed checkpoint and last verification. */
  chain(options: { org?: string } = {}): Promise<ChainStatus> {
    return this.json<ChainStatus>('GET', '/v1/chain', options.org);
  }

  /** Distinct actions in the filtered range, with their counts. */
  async actions(filters: EventFilters = {}): Promise<Array<{ action: string; count: number }>> {
    const answer = await this.json<{ data: Array<{ action: string; count: number }> }>(
      'GET',
      `/v1/actions${queryString({ ...filters })}`,
      filters.org,
    );
    return answer.data;
  }

  /**
   * Streams an export (`/v1/events/export.csv` or `.jsonl`). Without a destination it resolves to
   * the body as a web ReadableStream; with a web WritableStream or a Node writable it pipes the
   * body there, honouring back-pressure, and resolves to the byte count once it is all written.
   */
  exportTo(format: ExportFormat, filters?: ExportFilters): Promise<ReadableStream<Uint8Array>>;
  exportTo(
    format: ExportFormat,
    filters: ExportFilters,
    destination: WritableStream<Uint8Array> | NodeWritableLike,
    options?: ExportOptions,
  ): Promise<{ bytes: number }>;
  async exportTo(
    format: ExportFormat,
    filters: ExportFilters = {},
    destination?: WritableStream<Uint8Array> | NodeWritableLike,
    options: ExportOptions = {},
  ): Promise<ReadableStream<Uint8Array> | { bytes: number }> {
    const response = await this.send(
      'GET',
      `/v1/events/export.${format}${queryString(filters)}`,
      filters.org,
      {
        stream: true,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    const body = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    if (!destination) return body;
    let bytes = 0;
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          bytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    if ('getWriter' in destination) {
      await counted.pipeTo(destination);
    } else {
      await writeToNode(counted, destination, options.end ?? true);
    }
    return { bytes };
  }

  private async json<T>(method: string, path: string, org: string | undefined): Promise<T> {
    const response = await this.send(method, path, org, {});
    return (await response.json()) as T;
  }

  private async send(
    method: string,
    path: string,
    org: string | undefined,
    options: { stream?: boolean; signal?: AbortSignal },
  ): Promise<Response> {
    const headers = connectionHeaders(this.connection, org ?? this.defaultOrg);
    for (let attempt = 1; ; attempt++) {
      let retryAfter: number | undefined;
      let failure: TrailmarkError;
      try {
        // A stream has no time limit as a whole: a large export takes as long as it takes.
        const signal = options.stream
          ? options.signal
          : requestSignal(this.connection.timeoutMs, options.signal);
        const response = await this.connection.fetch(this.connection.baseUrl + path, {
          method,
          headers,
          ...(signal ? { signal } : {}),
        });
        if (response.ok) return response;
        const problem = await readProblem(response);
        failure = new TrailmarkError(
          'api',
          `${method} ${path.split('?')[0]}: ${problem.status} ${problem.detail || problem.title}`,
          {
            status: response.status,
            problem,
          },
        );
        if (!isTransientStatus(response.status)) throw failure;
        retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      } catch (error) {
        if (error instanceof TrailmarkError) throw error;
        if (options.signal?.aborted) throw error;
        failure = new TrailmarkError('api', `${method} ${path.split('?')[0]}: ${String(error)}`, {
          cause: error,
        });
      }
      if (attempt >= this.policy.maxAttempts) throw failure;
      await sleep(
        retryAfter === undefined
          ? backoffDelay(this.policy, attempt)
          : Math.min(retryAfter, this.policy.maxRetryAfterMs),
      );
    }
  }
}

/** Copies a web stream into a Node writable, waiting for 'drain' whenever its buffer is full. */
async function writeToNode(
  source: ReadableStream<Uint8Array>,
  destination: NodeWritableLike,
  end: boolean,
): Promise<void> {
  const reader = source.getReader();
  let failed: unknown;
  const onError = (error: unknown) => {
    failed = error ?? new Error('the destination failed');
  };
  destination.once('error', onError);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (failed) throw failed;
      if (!destination.write(value)) await waitForDrain(destination);
      if (failed) throw failed;
    }
    if (end) await new Promise<void>((resolve) => destination.end(resolve));
    if (failed) throw failed;
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    throw error;
  } finally {
    destination.removeListener('error', onError);
  }
}

function waitForDrain(destination: NodeWritableLike): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      destination.removeListener('error', onError);
      destination.removeListener('close', onClose);
      resolve();
    };
    const onError = (error: unknown) => {
      destination.removeListener('drain', onDrain);
      destination.removeListener('close', onClose);
      reject(error);
    };
    const onClose = () => {
      destination.removeListener('drain', onDrain);
      destination.removeListener('error', onError);
      reject(new Error('the destination closed before the export ended'));
    };
    destination.once('drain', onDrain);
    destination.once('error', onError);
    destination.once('close', onClose);
  });
}
