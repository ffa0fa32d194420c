import { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { ALL_TIME, listAll, SERVER_BACKENDS, type TestOrg, unique } from '../http/support.js';

/**
 * The official @workos-inc/node client (12.3.0, unmodified) against a real Trailmark server:
 * createEvent stores the event whole and once, however often it is retried.
 */

function workosClient(t: TestServer, key: string, options: { maxRetries?: number } = {}): WorkOS {
  const { port } = new URL(t.url);
  return new WorkOS(key, { apiHostname: '127.0.0.1', port: Number(port), https: false, ...options });
}

function workosEvent(action: string, extra: Record<string, unknown> = {}) {
  return {
    action,
    version: 1,
    occurredAt: new Date(),
    actor: { type: 'user', id: 'user_TF4C5938', name: 'Jon Smith', metadata: { role: 'admin' } },
    targets: [
      { type: 'user', id: 'user_98432YHF', name: 'Jon Smith' },
      { type: 'team', id: 'team_J8YASKA2', metadata: { owner: 'user_01GBTCQ2' } },
    ],
    context: { location: '1.1.1.1', userAgent: 'Chrome/104.0.0.0' },
    metadata: { extra: 'Data', count: 3, flag: true },
    ...extra,
  };
}

describe.each(SERVER_BACKENDS)('WorkOS createEvent ($name)', (backend) => {
  let t: TestServer;
  let org: TestOrg;
  let other: TestOrg;
  let offsetMs = 0;

  beforeAll(async () => {
    t = await backend.start({ now: () => new Date(Date.now() + offsetMs) });
    org = await t.createOrg('WorkOS');
    other = await t.createOrg('Other');
  });
  afterAll(async () => t?.close());

  async function stored(action: string) {
    return listAll(t, org.readKey, { ...ALL_TIME, action });
  }

  it('stores the event whole, mapped onto Trailmark fields, with the WorkOS event kept as sent', async () => {
    const action = `user.${unique('signed_in').toLowerCase()}`;
    const event = workosEvent(action);
    await workosClient(t, org.writeKey).auditLogs.createEvent(org.id, event);
    const [only, ...rest] = await stored(action);
    expect(rest).toHaveLength(0);
    expect(only).toMatchObject({
      org: org.id,
      action,
      occurred_at: event.occurredAt.toISOString(),
      actor: { type: 'user', id: 'user_TF4C5938', name: 'Jon Smith' },
      resource: { type: 'user', id: 'user_98432YHF', name: 'Jon Smith' },
      context: { ip: '1.1.1.1', user_agent: 'Chrome/104.0.0.0' },
    });
    expect(only!.metadata).toEqual({
      workos: {
        action,
        version: 1,
        occurred_at: event.occurredAt.toISOString(),
        actor: { type: 'user', id: 'user_TF4C5938', name: 'Jon Smith', metadata: { role: 'admin' } },
        targets: [
          { type: 'user', id: 'user_98432YHF', name: 'Jon Smith' },
          { type: 'team', id: 'team_J8YASKA2', metadata: { owner: 'user_01GBTCQ2' } },
        ],
        context: { location: '1.1.1.1', user_agent: 'Chrome/104.0.0.0' },
        metadata: { extra: 'Data', count: 3, flag: true },
      },
    });
  });

  it('keeps a free-form actor type as sent, and stores an event with no targets', async () => {
    const action = `robot.${unique('ran').toLowerCase()}`;
    await workosClient(t, org.writeKey).auditLogs.createEvent(
      org.id,
      workosEvent(action, { actor: { type: 'robot-arm', id: 'arm_1' }, targets: [] }),
    );
    const [only] = await stored(action);
    expect(only!.actor).toEqual({ type: 'service', id: 'arm_1' });
    expect(only!.resource).toBeUndefined();
    expect((only!.metadata!.workos as { actor: unknown }).actor).toEqual({ type: 'robot-arm', id: 'arm_1' });
  });

  it('stores a replayed Idempotency-Key once, including two attempts in flight at once', async () => {
    const action = `user.${unique('replayed').toLowerCase()}`;
    const client = workosClient(t, org.writeKey);
    const event = workosEvent(action);
    const idempotencyKey = unique('key');
    await client.auditLogs.createEvent(org.id, event, { idempotencyKey });
    await client.auditLogs.createEvent(org.id, event, { idempotencyKey });
    expect(await stored(action)).toHaveLength(1);

    const raced = `user.${unique('raced').toLowerCase()}`;
    const racedEvent = workosEvent(raced);
    const racedKey = unique('key');
    await Promise.all(
      Array.from({ length: 4 }, () =>
        client.auditLogs.createEvent(org.id, racedEvent, { idempotencyKey: racedKey }),
      ),
    );
    expect(await stored(raced)).toHaveLength(1);
  });

  it('answers a reused key with a different body 409, and stores nothing more', async () => {
    const action = `user.${unique('conflicted').toLowerCase()}`;
    const client = workosClient(t, org.writeKey);
    const idempotencyKey = unique('key');
    await client.auditLogs.createEvent(org.id, workosEvent(action), { idempotencyKey });
    const error = await client.auditLogs
      .createEvent(org.id, workosEvent(action, { metadata: { changed: true } }), { idempotencyKey })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConflictException', status: 409 });
    expect(await stored(action)).toHaveLength(1);
  });

  it('lets a key name a new event once its 24 hours are over', async () => {
    const action = `user.${unique('expired').toLowerCase()}`;
    const client = workosClient(t, org.writeKey);
    const idempotencyKey = unique('key');
    const event = workosEvent(action);
    await client.auditLogs.createEvent(org.id, event, { idempotencyKey });
    offsetMs = 25 * 60 * 60 * 1000;
    try {
      await client.auditLogs.createEvent(org.id, event, { idempotencyKey });
      await client.auditLogs.createEvent(org.id, event, { idempotencyKey });
    } finally {
      offsetMs = 0;
    }
    expect(await stored(action)).toHaveLength(2);
  });

  it("refuses another org's id as not found, a bad key as unauthorized, and names bad fields", async () => {
    const client = workosClient(t, org.writeKey, { maxRetries: 0 });
    const event = workosEvent('user.refused');
    await expect(client.auditLogs.createEvent(other.id, event)).rejects.toMatchObject({
      name: 'NotFoundException',
      status: 404,
    });
    await expect(
      workosClient(t, 'tmk_not_a_key', { maxRetries: 0 }).auditLogs.createEvent(org.id, event),
    ).rejects.toMatchObject({ name: 'UnauthorizedException', status: 401 });

    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    const invalid = await client.auditLogs
      .createEvent(
        org.id,
        workosEvent('user.refused', { metadata: { ...tooMany, ['x'.repeat(41)]: 'y'.repeat(501) } }),
      )
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ name: 'UnprocessableEntityException', status: 422 });
    expect(String((invalid as Error).message)).toContain('event.metadata');
    expect(await stored('user.refused')).toHaveLength(0);
  });

  it('renders errors as JSON with message and code and never an error member', async () => {
    const res = await fetch(`${t.url}/audit_logs/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${org.writeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ organization_id: org.id, event: { action: 'user.x' } }),
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('error');
    expect(body).toMatchObject({ message: expect.any(String), code: expect.any(String) });
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { code: 'event.occurred_at: required', field: 'event.occurred_at' },
        { code: 'event.context: required', field: 'event.context' },
      ]),
    );
  });
});
