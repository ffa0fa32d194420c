import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { SERVER_BACKENDS, type TestOrg } from './support.js';

/**
 * Every response says how long the server took before it began answering (`Server-Timing: app`),
 * so a slow request seen by a client can be told apart from time spent outside the server
 * (the network, the client's own work): browsers' developer tools show it beside each request.
 */
const backend = SERVER_BACKENDS[0]!;

describe(`Server-Timing (${backend.name})`, () => {
  let t: TestServer;
  let org: TestOrg;
  beforeAll(async () => {
    t = await backend.start();
    org = await t.createOrg('Timing');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is on answers, problems and streamed exports alike', async () => {
    const responses = [
      await t.request('/v1/events', { key: org.readKey }),
      await t.request('/v1/events?limit=nope', { key: org.readKey }),
      await t.request('/v1/events', { key: null }),
      await t.request('/v1/events/export.csv', { key: org.readKey }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 400, 401, 200]);
    for (const res of responses) {
      await res.arrayBuffer();
      const match = /^app;dur=(\d+\.\d\d)$/.exec(res.headers.get('server-timing') ?? '');
      expect(match, res.url).not.toBeNull();
      expect(Number(match![1])).toBeGreaterThan(0);
    }
  });
});
