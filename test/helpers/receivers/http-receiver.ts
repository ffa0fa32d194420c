import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A refusal: the status and body a real destination would answer a bad request with. */
export interface Refusal {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface HttpReceiverOptions {
  /** Checks a request; a refusal is answered as is and the request is not accepted. */
  check?: (request: ReceivedRequest) => Refusal | undefined;
  /** What an accepted request is answered with. */
  accept?: { status: number; body: string; contentType?: string };
}

/**
 * An HTTP server on 127.0.0.1 and a random port that records what it accepts and fails on
 * demand: answer an error for the next N requests, answer late, drop the connection while the
 * body arrives, or go down and come back on the same port.
 */
export class HttpReceiver {
  readonly accepted: ReceivedRequest[] = [];
  /** Every request that reached the handler, accepted or not. */
  seen = 0;
  port = 0;
  private server: Server;
  private sockets = new Set<Socket>();
  private failures: Refusal[] = [];
  private failAt = new Map<number, Refusal>();
  private dropConnections = 0;
  private delayMs = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly options: HttpReceiverOptions = {}) {
    this.server = this.newServer();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await this.listen(0);
    return this;
  }

  /** The next `count` requests get `status` (with headers such as Retry-After). */
  failNext(
    count: number,
    status = 500,
    headers: Record<string, string> = {},
    body = 'failing on purpose',
  ): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, body, headers });
  }

  /** Request number `n` from now (1 for the next) gets `status`; those before it are handled as usual. */
  failRequest(n: number, status = 500, body = 'failing on purpose'): void {
    this.failAt.set(this.seen + n, { status, body });
  }

  /** The next `count` requests lose their connection once the first bytes of the body arrive. */
  dropNext(count: number): void {
    this.dropConnections += count;
  }

  /** Answer every request this much later (0 to stop). */
  answerAfter(ms: number): void {
    this.delayMs = ms;
  }

  /** Stops listening and cuts open connections, as a crashed destination would. */
  async down(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    this.server = this.newServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.down();
  }

  /** Resolves once `condition` holds (checked after each request), or fails after `timeoutMs`. */
  async waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('the receiver did not get what was expected in time');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private newServer(): Server {
    const server = createServer((req, res) => {
      if (this.dropConnections > 0) {
        this.dropConnections -= 1;
        this.seen += 1;
        req.once('data', () => req.socket.destroy());
        return;
      }
      void readBody(req).then(async (body) => {
        this.seen += 1;
        const request: ReceivedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body,
        };
        if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        const answer =
          this.failAt.get(this.seen) ??
          this.failures.shift() ??
          this.options.check?.(request) ??
          this.acceptRequest(request);
        if (!res.destroyed) {
          res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          res.end(answer.body);
        }
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  private acceptRequest(request: ReceivedRequest): Refusal {
    this.accepted.push(request);
    const accept = this.options.accept ?? { status: 200, body: '{}' };
    return {
      status: accept.status,
      body: accept.body,
      headers: { 'content-type': accept.contentType ?? 'application/json' },
    };
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
