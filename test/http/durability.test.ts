import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import canonicalize from 'canonicalize';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestDatabase } from '../helpers/backends.js';
import { type Ack, ALL_TIME, query, type Served } from './support.js';

/**
 * SPEC §3 "durable before acknowledged": a real server process under concurrent ingest from
 * several clients is killed with SIGKILL; after a restart over the same database, every event it
 * acknowledged (2xx) is there with the seq and hash it was acknowledged with, and the chain is
 * intact. Retrying what was not acknowledged is safe (idempotent on the client id).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_KEY = 'tmk_durability_admin_key_0123456789abcdefghij';
const CLIENTS = 6;
/** Kill once this many events have been acknowledged: mid-way through the clients' work. */
const KILL_AFTER_ACKED = 2500;
const GENESIS = '0'.repeat(64);

interface Child {
  process: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: () => string;
}

const children = new Set<ChildProcess>();

/** Starts `trailmark serve` as its own process on a free port; resolves once it listens. */
async function startChild(databaseUrl: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      TRAILMARK_ADMIN_KEY: ADMIN_KEY,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
  });
  return { process: child, url, exited, output: () => output };
}

async function call(url: string, path: string, key: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${key}`);
  if (init.body) headers.set('content-type', 'application/json');
  return fetch(url + path, { ...init, headers });
}

async function setUpOrg(url: string): Promise<{ id: string; writeKey: string; readKey: string }> {
  const org = (await (
    await call(url, '/v1/orgs', ADMIN_KEY, { method: 'POST', body: JSON.stringify({ name: 'Durable' }) })
  ).json()) as { id: string };
  const key = async (scopes: string[]) => {
    const res = await call(url, `/v1/orgs/${org.id}/api-keys`, ADMIN_KEY, {
      method: 'POST',
      body: JSON.stringify({ name: scopes.join(','), scopes }),
    });
    return ((await res.json()) as { key: string }).key;
  };
  return { id: org.id, writeKey: await key(['events:write']), readKey: await key(['events:read']) };
}

function eventFor(client: number, request: number, index: number) {
  return {
    id: `c${client}_r${request}_e${index}`,
    action: 'document.updated',
    actor: { type: 'user', id: `u_${client}`, email: `client${client}@example.com` },
    resource: { type: 'document', id: `doc_${request % 17}` },
    description: `client ${client} request ${request} event ${index}`,
    metadata: { client, request, index, text: 'x'.repeat((request * 31 + index) % 200) },
  };
}

interface Sent {
  events: ReturnType<typeof eventFor>[];
  acks?: Ack[];
}

/**
 * One client: sends batches of 1 to 40 events until the server goes away. Returns every request
 * it made, with the acknowledgements of those that got a complete 201.
 */
async function client(url: string, key: string, n: number, acked: { count: number }): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let request = 0; ; request++) {
    const size = 1 + ((request * 13 + n * 7) % 40);
    const events = Array.from({ length: size }, (_, i) => eventFor(n, request, i));
    const record: Sent = { events };
    sent.push(record);
    try {
      const res = await call(url, '/v1/events', key, { method: 'POST', body: JSON.stringify({ events }) });
      const text = await res.text();
      if (res.status === 201) {
        record.acks = (JSON.parse(text) as { events: Ack[] }).events;
        acked.count += size;
      } else if (res.status !== 503) {
        throw new Error(`ingest answered ${res.status}: ${text}`);
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('ingest answered')) throw error;
      return sent; // the connection failed: the server is gone
    }
  }
}

function recomputedHash(event: Served): string {
  const { hash: _hash, prev_hash, ...body } = event;
  return createHash('sha256')
    .update(`${prev_hash}\n${canonicalize(body)}`)
    .digest('hex');
}

async function exportAll(url: string, key: string): Promise<Served[]> {
  const res = await call(url, `/v1/events/export.jsonl${query(ALL_TIME)}`, key);
  expect(res.status).toBe(200);
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Served);
}

function expectIntactChain(events: Served[]): void {
  const bySeq = [...events].sort((a, b) => a.seq - b.seq);
  bySeq.forEach((event, i) => {
    expect(event.seq).toBe(i + 1);
    expect(event.prev_hash).toBe(i === 0 ? GENESIS : bySeq[i - 1]!.hash);
    expect(recomputedHash(event), `seq ${event.seq}`).toBe(event.hash);
  });
}

afterAll(() => {
  // Whatever a failed test left running is killed by its PID.
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }
});

for (const backend of BACKENDS) {
  describe(`durability across SIGKILL (${backend.name})`, () => {
    let db: TestDatabase | undefined;
    afterAll(async () => {
      await db?.drop();
    });

    it('keeps every acknowledged event, with its seq and hash, and an intact chain', async () => {
      db = await backend.databaseUrl();
      const first = await startChild(db.url);
      const org = await setUpOrg(first.url);

      const acked = { count: 0 };
      const running = Array.from({ length: CLIENTS }, (_, n) => client(first.url, org.writeKey, n, acked));
      // Kill once enough is acknowledged, with every client in the middle of a request.
      while (acked.count < KILL_AFTER_ACKED) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (first.process.exitCode !== null) throw new Error(`server died:\n${first.output()}`);
      }
      process.kill(first.process.pid!, 'SIGKILL');
      expect(await first.exited).toBe(null);
      const sent = (await Promise.all(running)).flat();
      const acknowledged = sent.filter((s) => s.acks);
      const unacknowledged = sent.filter((s) => !s.acks);
      expect(acknowledged.reduce((n, s) => n + s.events.length, 0)).toBeGreaterThanOrEqual(KILL_AFTER_ACKED);
      // Each client had a request in flight when the server died.
      expect(unacknowledged.length).toBeGreaterThanOrEqual(CLIENTS);

      const second = await startChild(db.url);
      try {
        const stored = await exportAll(second.url, org.readKey);
        const byId = new Map(stored.map((e) => [e.id, e]));
        for (const request of acknowledged) {
          request.events.forEach((input, i) => {
            const ack = request.acks![i]!;
            const event = byId.get(input.id);
            expect(event, input.id).toBeDefined();
            expect({ id: event!.id, seq: event!.seq, hash: event!.hash }).toEqual({
              id: ack.id,
              seq: ack.seq,
              hash: ack.hash,
            });
            expect(event!.description).toBe(input.description);
            expect(event!.metadata).toEqual(input.metadata);
          });
        }
        expectIntactChain(stored);

        // Batches are atomic: each unacknowledged request is stored whole or not at all.
        for (const request of unacknowledged) {
          const present = request.events.filter((e) => byId.has(e.id)).length;
          expect([0, request.events.length]).toContain(present);
        }

        // Retrying what was not acknowledged is safe: stored ones come back as duplicates.
        for (const request of unacknowledged) {
          const res = await call(second.url, '/v1/events', org.writeKey, {
            method: 'POST',
            body: JSON.stringify({ events: request.events }),
          });
          expect(res.status).toBe(201);
          const acks = ((await res.json()) as { events: Ack[] }).events;
          acks.forEach((ack, i) => {
            const before = byId.get(request.events[i]!.id);
            if (before)
              expect(ack).toEqual({ id: before.id, seq: before.seq, hash: before.hash, duplicate: true });
            else expect(ack.duplicate).toBe(false);
          });
        }
        const after = await exportAll(second.url, org.readKey);
        expectIntactChain(after);
        const ids = new Set(after.map((e) => e.id));
        for (const request of sent) for (const e of request.events) expect(ids.has(e.id), e.id).toBe(true);
      } finally {
        process.kill(second.process.pid!, 'SIGTERM');
        await second.exited;
      }
      // Two cold starts of a server process from TypeScript sources on a shared 2-core machine.
    }, 240_000);
  });
}
