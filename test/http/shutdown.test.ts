import { connect, type Socket } from 'node:net';
import { expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { startTestServer } from '../helpers/test-server.js';

/**
 * A shutdown waits for answers in flight, but not for ever: a client that stops halfway through
 * its request (or stops reading an answer) keeps its connection busy for as long as it likes,
 * and would hold the shutdown with it. After TRAILMARK_SHUTDOWN_GRACE_SECONDS the connections
 * still busy are closed, and what was acknowledged before stays stored.
 */
it('closes connections still busy after the grace period, keeping what was acknowledged', async () => {
  const dir = tempDir();
  const databaseUrl = `${dir.path}/trailmark.db`;
  const t = await startTestServer({ databaseUrl, config: { shutdownGraceMs: 1000 } });
  const org = await t.createOrg('Shutdown');
  const acked = await t.request('/v1/events', {
    method: 'POST',
    key: org.writeKey,
    json: { action: 'report.downloaded', actor: { id: 'u_1', type: 'user' } },
  });
  expect(acked.status).toBe(201);

  // Headers and half of the body, then nothing: the request stays in progress on the server.
  const { port } = new URL(t.url);
  const stalled: Socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => stalled.once('connect', resolve));
  const socketClosed = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
  stalled.on('error', () => undefined);
  stalled.write(
    `POST /v1/events HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${org.writeKey}\r\n` +
      'content-type: application/json\r\ncontent-length: 1000\r\n\r\n{"action":"user.lo',
  );
  await new Promise((resolve) => setTimeout(resolve, 200));

  // Node would keep that request open for 300 s (its request timeout); the grace is 1 s.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    t.server.close().then(() => 'closed' as const),
    new Promise<'still open'>((resolve) => {
      timer = setTimeout(() => resolve('still open'), 20_000);
    }),
  ]);
  clearTimeout(timer);
  if (outcome !== 'closed') stalled.destroy();
  expect(outcome).toBe('closed');
  await socketClosed;

  // The event acknowledged before the shutdown is there when the database is opened again.
  const again = await startTestServer({ databaseUrl });
  try {
    const res = await again.request('/v1/events?action=report.downloaded', { key: org.readKey });
    const body = (await res.json()) as { data: Array<{ action: string }> };
    expect(body.data.map((e) => e.action)).toEqual(['report.downloaded']);
  } finally {
    await again.close();
    dir.remove();
  }
});
