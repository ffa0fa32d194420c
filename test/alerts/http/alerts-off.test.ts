import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { TestServer } from '../../helpers/test-server.js';
import { ingest, SERVER_BACKENDS, type TestOrg, unique } from '../../http/support.js';
import { listAlerts } from './support.js';

/**
 * TRAILMARK_ALERTS=off: a process that leaves alerting to another one on the same database
 * registers no alerts consumer, so it neither reads the log for alerts nor raises any.
 */

describe('TRAILMARK_ALERTS', () => {
  it('is on unless set off, and refuses a value that is not a boolean', () => {
    expect(loadConfig({}).alerts).toBe(true);
    expect(loadConfig({ TRAILMARK_ALERTS: 'off' }).alerts).toBe(false);
    expect(loadConfig({ TRAILMARK_ALERTS: 'true' }).alerts).toBe(true);
    expect(() => loadConfig({ TRAILMARK_ALERTS: 'sometimes' })).toThrow(/TRAILMARK_ALERTS/);
  });
});

for (const backend of SERVER_BACKENDS) {
  describe(`a process with TRAILMARK_ALERTS=off (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start({ alerts: true, config: { alerts: false } });
      org = await t.createOrg('Alerts off');
    });
    afterAll(async () => {
      await t?.close();
    });

    it('runs no alerts consumer and raises nothing for a key created', async () => {
      expect(t.server.ctx.background.consumers.registered('alerts')).toBe(false);
      await ingest(t, org.writeKey, [
        { action: 'api_key.created', actor: { type: 'user', id: unique('maker') } },
      ]);
      await t.server.ctx.background.consumers.runOnce();
      expect(await listAlerts(t, org.adminKey)).toEqual([]);
    });
  });
}
