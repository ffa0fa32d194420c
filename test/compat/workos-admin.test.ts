import { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { ALL_TIME, listAll, SERVER_BACKENDS, type TestOrg, unique } from '../http/support.js';

/**
 * The official @workos-inc/node client (12.3.0, unmodified): exports with a CSV at their URL,
 * schemas and retention, against a real Trailmark server with an org key.
 */

function workosClient(t: TestServer, key: string): WorkOS {
  const { port } = new URL(t.url);
  return new WorkOS(key, { apiHostname: '127.0.0.1', port: Number(port), https: false, maxRetries: 0 });
}

describe.each(SERVER_BACKENDS)('WorkOS exports, schemas and retention ($name)', (backend) => {
  let t: TestServer;
  let org: TestOrg;
  let other: TestOrg;

  beforeAll(async () => {
    t = await backend.start();
    org = await t.createOrg('WorkOS');
    other = await t.createOrg('Other');
  });
  afterAll(async () => t?.close());

  it('createExport and getExport: ready, with a URL that serves the matching events as CSV without a key', async () => {
    const workos = workosClient(t, org.adminKey);
    const action = `invoice.${unique('paid').toLowerCase()}`;
    const rangeStart = new Date(Date.now() - 60_000);
    const base = {
      action,
      occurredAt: new Date(),
      context: { location: '203.0.113.9' },
      targets: [{ type: 'invoice', id: 'inv_1' }],
    };
    await workos.auditLogs.createEvent(org.id, {
      ...base,
      actor: { type: 'user', id: 'user_a', name: 'Ada' },
    });
    await workos.auditLogs.createEvent(org.id, {
      ...base,
      actor: { type: 'user', id: 'user_b', name: 'Bob' },
    });
    await workos.auditLogs.createEvent(org.id, {
      ...base,
      occurredAt: new Date(base.occurredAt.getTime() + 1),
      actor: { type: 'robot-arm', id: 'arm_1', name: 'Ada' },
    });
    await workos.auditLogs.createEvent(org.id, {
      ...base,
      actor: { type: 'user', id: 'user_a', name: 'Ada' },
      targets: [{ type: 'team', id: 'team_1' }],
    });

    const created = await workos.auditLogs.createExport({
      organizationId: org.id,
      rangeStart,
      rangeEnd: new Date(Date.now() + 60_000),
      actions: [action],
      actorNames: ['Ada'],
      targets: ['invoice'],
    });
    expect(created).toMatchObject({ object: 'audit_log_export', state: 'ready', url: expect.any(String) });
    const fetched = await workos.auditLogs.getExport(created.id);
    expect(fetched).toMatchObject({ id: created.id, state: 'ready' });

    const csv = await fetch(fetched.url!);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toMatch(/^timestamp,action,status,actor_type,actor_id/);
    // Newest first; the actor type is the one the WorkOS client sent (stored as service).
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`${action},success,robot-arm,arm_1,Ada`);
    expect(lines[2]).toContain(`${action},success,user,user_a,Ada`);

    const tampered = new URL(fetched.url!);
    tampered.searchParams.set('org', other.id);
    expect((await fetch(tampered)).status).toBe(404);
    const exported = await listAll(t, org.readKey, { ...ALL_TIME, action: 'audit_log.exported' });
    expect(exported.some((e) => e.resource?.id === created.id)).toBe(true);
  });

  it('createSchema and listSchemas: versions newest first, in the shape the client needs', async () => {
    const workos = workosClient(t, org.adminKey);
    const action = `user.${unique('viewed').toLowerCase()}`;
    const first = await workos.auditLogs.createSchema({
      action,
      actor: { metadata: { role: 'string' } },
      targets: [{ type: 'invoice', metadata: { cost: 'number' } }],
      metadata: { extra: 'string' },
    });
    expect(first).toMatchObject({ object: 'audit_log_schema', version: 1, targets: [{ type: 'invoice' }] });
    const second = await workos.auditLogs.createSchema({ action, targets: [{ type: 'team' }] });
    expect(second.version).toBe(2);
    const list = await workos.auditLogs.listSchemas(action);
    expect(list.data.map((s) => s.version)).toEqual([2, 1]);
    expect(list.data[1]!.targets[0]!.type).toBe('invoice');
  });

  it('retention: read and set by WorkOS period, for its own org only', async () => {
    const workos = workosClient(t, org.adminKey);
    await workos.auditLogs.updateOrganizationAuditLogsRetention({ id: org.id, retentionPeriod: '1_YEAR' });
    const read = await workos.auditLogs.getOrganizationAuditLogsRetention({ id: org.id });
    expect(read.retentionPeriodInDays).toBe(365);
    await workos.auditLogs.updateOrganizationAuditLogsRetention({ id: org.id, retentionPeriod: '3_MONTHS' });
    expect(
      (await workos.auditLogs.getOrganizationAuditLogsRetention({ id: org.id })).retentionPeriodInDays,
    ).toBe(90);
    await expect(workos.auditLogs.getOrganizationAuditLogsRetention({ id: other.id })).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      workos.auditLogs.updateOrganizationAuditLogsRetention({
        id: org.id,
        retentionPeriod: '13_MONTHS' as '1_YEAR',
      }),
    ).rejects.toMatchObject({ status: 422 });
  });
});
