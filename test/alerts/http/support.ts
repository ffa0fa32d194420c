import { expect } from 'vitest';
import type { AlertView } from '../../../src/contracts/alerts.js';
import type { TestServer } from '../../helpers/test-server.js';
import { ingest, unique } from '../../http/support.js';

/** Helpers of the alerting acceptance suites: events in through the API, alerts out of it. */

export async function listAlerts(
  t: TestServer,
  key: string,
  params: Record<string, string> = {},
): Promise<AlertView[]> {
  const search = new URLSearchParams({ limit: '200', ...params });
  const res = await t.request(`/v1/alerts?${search}`, { key });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /v1/alerts answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { data: AlertView[] }).data;
}

/** Polls the alert list until `condition` holds for it (the consumer runs in the background). */
export async function waitForAlerts(
  t: TestServer,
  key: string,
  condition: (alerts: AlertView[]) => boolean,
  timeoutMs = 20_000,
): Promise<AlertView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alerts = await listAlerts(t, key);
    if (condition(alerts)) return alerts;
    if (Date.now() > deadline) {
      throw new Error(`alerts never matched; last seen: ${JSON.stringify(alerts.map((a) => a.title))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const fromSource = (alerts: AlertView[], id: string) => alerts.filter((a) => a.source.id === id);

/**
 * Ingests an event that raises an alert of its own (a key created by a made-up actor) and waits
 * for it: every event ingested before it has been through the engine by then, so what has not
 * fired will not.
 */
export async function settle(t: TestServer, writeKey: string, adminKey: string): Promise<AlertView[]> {
  const marker = unique('marker');
  await ingest(t, writeKey, [{ action: 'api_key.created', actor: { type: 'user', id: marker } }]);
  return waitForAlerts(t, adminKey, (alerts) => alerts.some((a) => a.group_key === `actor:${marker}`));
}

/** `n` events made by `make(i)`, ingested in batches of at most 500. */
export async function ingestMany(
  t: TestServer,
  writeKey: string,
  n: number,
  make: (i: number) => Record<string, unknown>,
): Promise<void> {
  const events = Array.from({ length: n }, (_, i) => make(i));
  for (let i = 0; i < events.length; i += 500) await ingest(t, writeKey, events.slice(i, i + 500));
}

export async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

export const isoAgo = (ms: number) => new Date(Date.now() - ms).toISOString();
