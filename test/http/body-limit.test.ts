import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discardRestOfBody } from '../../src/http/discard-body.js';
import { freePort } from '../faults/ports.js';
import {
  FAULTS_ADMIN_KEY,
  killServerProcesses,
  type ServerProcess,
  startServerProcess,
} from '../faults/server-process.js';

/**
 * A body over a route's limit is answered 413 problem+json that Node's own fetch can read. The
 * server used to close the connection as soon as it answered, while the client was still
 * sending: fetch then failed with EPIPE ("fetch failed"), about half the time against a server in
 * its own process, and a client could not tell "too big" from "network down". The server is a
 * process of its own here: in the test's process the race never showed.
 */

const MB = 1024 * 1024;

/** Valid events, so that only the size is wrong. */
function eventsText(bytes: number): string {
  const event = JSON.stringify({
    action: 'a.b',
    actor: { type: 'user', id: 'u' },
    description: 'd'.repeat(1000),
  });
  return `{"events":[${Array.from({ length: Math.ceil(bytes / event.length) }, () => event).join(',')}]}`;
}

/** The same bytes as a stream, without Content-Length. */
function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = Buffer.from(text);
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, at + 64 * 1024));
      at += 64 * 1024;
    },
  });
}

describe('a body over the limit, sent with fetch', () => {
  let server: ServerProcess;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync('/tmp/trailmark-body-limit-');
    server = await startServerProcess({ databaseUrl: join(dir, 'trailmark.db'), port: await freePort() });
  });

  afterAll(async () => {
    await server?.stop();
    killServerProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  async function post(path: string, body: string | ReadableStream<Uint8Array>): Promise<Response> {
    return fetch(server.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${FAULTS_ADMIN_KEY}`, 'content-type': 'application/json' },
      body,
      ...(typeof body === 'string' ? {} : { duplex: 'half' }),
    } as RequestInit);
  }

  async function expectTooLarge(res: Response): Promise<void> {
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { type: string; status: number };
    expect(problem).toMatchObject({ type: 'https://trailmark.dev/problems/payload_too_large', status: 413 });
  }

  const text = eventsText(6 * MB);

  it('reads the 413 after sending 6 MB to POST /v1/events, as a string and as a stream', async () => {
    for (let i = 0; i < 4; i++) {
      await expectTooLarge(await post('/v1/events', text));
      await expectTooLarge(await post('/v1/events', streamOf(text)));
    }
  });

  it('reads the 413 from a route with a lower limit (1 MiB)', async () => {
    for (let i = 0; i < 4; i++) {
      await expectTooLarge(await post('/v1/orgs', text.slice(0, 2 * MB)));
      await expectTooLarge(await post('/v1/orgs', streamOf(text)));
    }
  });

  it('keeps the connection usable after the 413', async () => {
    await expectTooLarge(await post('/v1/events', text));
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(server.alive()).toBe(true);
  });
});

describe('discardRestOfBody', () => {
  it('ends the connection once a refused body runs past the bound', async () => {
    const closed = new Promise<{ complete: boolean }>((resolve) => {
      const server = createServer((request: IncomingMessage, response) => {
        expect(discardRestOfBody(request, { maxBytes: MB })).toBe(true);
        request.socket.once('close', () => {
          resolve({ complete: request.complete });
          server.close();
        });
        response.writeHead(413).end();
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        const client = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/' });
        client.on('error', () => {});
        client.on('response', (res) => res.resume());
        const chunk = Buffer.alloc(64 * 1024);
        let sent = 0;
        const write = () => {
          while (sent < 8 * MB) {
            sent += chunk.length;
            if (!client.write(chunk)) return void client.once('drain', write);
          }
          client.end();
        };
        write();
      });
    });
    expect(await closed).toEqual({ complete: false });
  });

  it('leaves alone a body that says it is over the bound: the caller closes the connection', () => {
    const request = { headers: { 'content-length': String(65 * MB) } } as unknown as IncomingMessage;
    expect(discardRestOfBody(request, { maxBytes: 64 * MB })).toBe(false);
  });
});
