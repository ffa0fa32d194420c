import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSpool } from '../../sdk/src/file-spool.js';
import { tempDir } from '../helpers/temp.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import type { TestOrg } from '../http/support.js';
import { freePort, ROOT, startProxy, storedEvents, testClient } from './support.js';

/**
 * The on-disk spool: events recorded while the server is down survive the SDK's process being
 * killed, and the next process sends them, once each.
 */

let t: TestServer;
let org: TestOrg;
const dir = tempDir('trailmark-spool-');

beforeAll(async () => {
  t = await startTestServer();
  org = await t.createOrg('SDK spool');
});

afterAll(async () => {
  await t.close();
  dir.remove();
});

/** Runs the writer fixture until it has spooled `count` events, kills it, and returns their ids. */
async function spoolInAKilledProcess(path: string, count: number): Promise<string[]> {
  const down = `http://127.0.0.1:${await freePort()}`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/sdk/fixtures/spool-writer.ts', path, down, org.writeKey, String(count)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const ids = await new Promise<string[]>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.endsWith('\n')) resolve(JSON.parse(out) as string[]);
      });
      void exited.then(() => reject(new Error(`the writer exited early:\n${err}`)));
    });
    return ids;
  } finally {
    if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
    await exited;
  }
}

describe('the file spool', () => {
  it('survives the SDK process being killed: the next process sends every event once', async () => {
    const path = `${dir.path}/killed.spool`;
    const ids = await spoolInAKilledProcess(path, 300);
    expect(ids).toHaveLength(300);
    // The killed process held the lock; its pid is gone, so the spool can be taken over.
    expect(existsSync(`${path}.lock`)).toBe(true);

    const proxy = await startProxy(t.url);
    const { client, errors } = testClient({
      url: proxy.url,
      apiKey: org.writeKey,
      spool: new FileSpool(path),
    });
    await client.flush();
    expect(errors).toEqual([]);
    const stored = await storedEvents(t, org.readKey, { action: 'spool.survived' });
    expect(stored.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(stored.find((e) => e.metadata?.i === 4)!.metadata).toEqual({ i: 4, text: 'é✓é✓é✓é✓' });
    expect(await client.shutdown()).toEqual({ delivered: true, spooled: 0, undelivered: 0 });
    expect(existsSync(`${path}.lock`)).toBe(false);

    // Acknowledged events are done: a third process finds nothing to send, and an empty file.
    const sentBefore = proxy.ingests().length;
    const again = testClient({ url: proxy.url, apiKey: org.writeKey, spool: new FileSpool(path) });
    await again.client.flush();
    await again.client.shutdown();
    expect(proxy.ingests().length).toBe(sentBefore);
    expect(statSync(path).size).toBe(0);
    await proxy.close();
  }, 120_000);

  it('keeps what shutdown could not send for the next start', async () => {
    const path = `${dir.path}/deadline.spool`;
    const down = `http://127.0.0.1:${await freePort()}`;
    const first = testClient({ url: down, apiKey: org.writeKey, spool: new FileSpool(path) });
    const recorded = await first.client.recordMany(
      Array.from({ length: 20 }, (_, i) => ({
        action: 'spool.kept',
        actor: { type: 'system' as const, id: 's' },
        metadata: { i },
      })),
    );
    expect(await first.client.shutdown({ timeoutMs: 200 })).toEqual({
      delivered: false,
      spooled: 20,
      undelivered: 0,
    });
    expect(first.errors).toEqual([]);

    const second = testClient({ url: t.url, apiKey: org.writeKey, spool: new FileSpool(path) });
    await second.client.flush();
    await second.client.shutdown();
    expect(second.errors).toEqual([]);
    const stored = await storedEvents(t, org.readKey, { action: 'spool.kept' });
    expect(stored.map((e) => e.id).sort()).toEqual(recorded.map((r) => r.id).sort());
  });

  it('ignores a last line cut short by a crash, and replays the complete ones', async () => {
    const path = `${dir.path}/torn.spool`;
    const event = (id: string) =>
      JSON.stringify({ id, action: 'spool.torn', actor: { type: 'system', id: 's' } });
    writeFileSync(path, `{"add":[${event('evt_torn_a')},${event('evt_torn_b')}]}\n{"done":["evt_torn_a"]}\n`);
    appendFileSync(path, `{"add":[${event('evt_torn_c')}`);
    const { client, errors } = testClient({ url: t.url, apiKey: org.writeKey, spool: new FileSpool(path) });
    await client.flush();
    await client.shutdown();
    expect(errors).toEqual([]);
    expect((await storedEvents(t, org.readKey, { action: 'spool.torn' })).map((e) => e.id)).toEqual([
      'evt_torn_b',
    ]);
  });

  it('belongs to one client at a time; a second one reports it and works from memory', async () => {
    const path = `${dir.path}/shared.spool`;
    const first = testClient({ url: t.url, apiKey: org.writeKey, spool: new FileSpool(path) });
    await first.client.flush();
    const second = testClient({ url: t.url, apiKey: org.writeKey, spool: new FileSpool(path) });
    const { id } = await second.client.record({ action: 'spool.shared', actor: { type: 'system', id: 's' } });
    await second.client.flush();
    expect(second.errors.map((e) => e.kind)).toEqual(['spool']);
    expect(second.errors[0]!.message).toContain(`in use by process ${process.pid}`);
    expect((await storedEvents(t, org.readKey, { action: 'spool.shared' })).map((e) => e.id)).toEqual([id]);
    await second.client.shutdown();
    await first.client.shutdown();
  });

  it('empties the file once everything in it is done and it has grown past compactBytes', async () => {
    const path = `${dir.path}/compact.spool`;
    const { client, errors } = testClient({
      url: t.url,
      apiKey: org.writeKey,
      spool: new FileSpool(path, { compactBytes: 4096 }),
    });
    for (let round = 0; round < 5; round++) {
      await client.recordMany(
        Array.from({ length: 20 }, () => ({
          action: 'spool.compacted',
          actor: { type: 'system' as const, id: 's' },
          description: 'x'.repeat(100),
        })),
      );
      await client.flush();
    }
    await client.shutdown();
    expect(errors).toEqual([]);
    // 100 events of ~200 bytes went through a file that never kept more than a few rounds of them.
    expect(statSync(path).size).toBeLessThan(3 * 4096);
    expect(
      readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .every((line) => JSON.parse(line)),
    ).toBe(true);
    expect(await storedEvents(t, org.readKey, { action: 'spool.compacted' })).toHaveLength(100);
  });
});
