import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import type { EventInput } from '../src/domain/event.js';
import { prepareEvent } from '../src/domain/prepare-event.js';
import { createEnricher } from '../src/enrich/enricher.js';
import { openStore } from '../src/store/open-store.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/e2e/helpers/chromium.js';
import { ADMIN_KEY, argValue, freshDatabase, percentile, report, sampleEvent, startServer } from './lib.js';

/**
 * The dashboard over a large org, measured in Chromium: how long after navigation the audit
 * log shows its first rows, and how long after a filter is applied the table shows the new rows.
 * The org is seeded through the store API (no HTTP), then the compiled server (`npm run build`)
 * serves it as `npm start` would.
 *
 *   npm run bench:dashboard -- --events=1000000 [--backend=sqlite|postgres] [--runs=5]
 *   npm run bench:dashboard -- --reuse=path/to/trailmark.db   (a SQLite file a previous run seeded
 *                                                              with --keep=path; not removed)
 */

const ORG = 'bench_dashboard';
const PROBES = fileURLToPath(new URL('../test/e2e/helpers/page-probes.js', import.meta.url));
const DAY = 86_400_000;
const CHUNK = 5000;
const PASSWORD = 'bench-password-long-enough';

function median(values: number[]): number {
  return percentile(values, 50);
}

async function seed(databaseUrl: string, count: number): Promise<void> {
  const store = await openStore(databaseUrl);
  try {
    await store.migrate();
    const enricher = createEnricher();
    await store.transaction((tx) => tx.createOrg({ id: ORG, name: 'Bench Dashboard' }));
    // Oldest first, spread over the last 29 days: the default 30-day window holds all of them.
    const end = Date.now() - 60_000;
    const start = end - 29 * DAY;
    const started = performance.now();
    for (let i = 0; i < count; i += CHUNK) {
      const receivedAt = new Date();
      const events = [];
      for (let j = i; j < Math.min(count, i + CHUNK); j++) {
        const occurredAt = new Date(start + Math.floor(((end - start) * j) / count)).toISOString();
        events.push(prepareEvent(sampleEvent(j, occurredAt) as EventInput, ORG, receivedAt, enricher));
      }
      const [outcome] = await store.appendBatches([{ org: ORG, events }]);
      if (!outcome?.ok) throw outcome?.error ?? new Error('append failed');
      if ((i / CHUNK) % 20 === 0) process.stderr.write(`  seeded ${i + events.length} of ${count}\r`);
    }
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write('\n');
    report('dashboard_seed_rate', Math.round(count / seconds), 'events/s');
  } finally {
    await store.close();
  }
}

async function adminApi(url: string, path: string, json: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      'content-type': 'application/json',
      'trailmark-org': ORG,
    },
    body: JSON.stringify(json),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Events in the bench org, from its chain head (for the label of a reused database). */
async function eventCount(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/chain`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'trailmark-org': ORG },
  });
  return ((await res.json()) as { head: { seq: number } }).head.seq;
}

/** An owner account, made the way people get one: an invitation, accepted. */
async function createOwner(url: string): Promise<string> {
  const email = 'owner@bench.example';
  const members = await fetch(`${url}/v1/members`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'trailmark-org': ORG },
  });
  if (((await members.json()) as { data: { email: string }[] }).data.some((m) => m.email === email))
    return email;
  const invitation = await adminApi(url, '/v1/members/invitations', { email, role: 'owner' });
  const token = new URL(String(invitation.accept_url)).searchParams.get('token');
  await adminApi(url, '/v1/invitations/accept', { token, name: 'Bench Owner', password: PASSWORD });
  return email;
}

/** What test/e2e/helpers/page-probes.js adds to the page. */
interface Probe {
  trailmarkProbe: { firstRows(): number | null; applyFilter(change: Change): Promise<number> };
}

/** Milliseconds from navigation start to the first result set on screen. */
async function firstRows(page: Page, url: string): Promise<number> {
  await page.goto(`${url}/settings/audit-log`);
  await page.waitForSelector('.event-log[data-log-state="ready"] tr[data-event-id]');
  const ms = await page.evaluate(() => (globalThis as unknown as Probe).trailmarkProbe.firstRows());
  if (ms === null) throw new Error('the page set no trailmark:rows mark');
  return ms;
}

type Change = { kind: 'select' | 'text'; name: string; value: string };

/** Applies one filter change in the page and returns the time until the new rows are on screen. */
function applyFilter(page: Page, change: Change): Promise<number> {
  return page.evaluate((c) => (globalThis as unknown as Probe).trailmarkProbe.applyFilter(c), change);
}

async function run(): Promise<void> {
  const backend = argValue('backend', 'sqlite');
  const count = Number(argValue('events', '1000000'));
  const runs = Number(argValue('runs', '5'));
  const reuse = argValue('reuse', '');
  const keep = argValue('keep', '');
  const db = reuse
    ? { url: reuse, drop: async () => undefined }
    : keep
      ? { url: keep, drop: async () => undefined }
      : await freshDatabase(backend);
  const profile = mkdtempSync(join(tmpdir(), 'trailmark-bench-chromium-'));
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    if (!reuse) await seed(db.url, count);
    server = await startServer(db.url, 3902);
    const email = await createOwner(server.url);
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1366, height: 900 },
    });
    await browser.addInitScript({ path: PROBES });
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('.event-log[data-log-state="ready"]');

    const total = reuse ? await eventCount(server.url) : count;
    const label = `${total >= 1_000_000 ? `${Math.round(total / 100_000) / 10}m` : `${Math.round(total / 1000)}k`}_${backend}`;
    const first: number[] = [];
    for (let i = 0; i < runs; i++) first.push(await firstRows(page, server.url));
    report(`dashboard_first_rows_${label}`, median(first), 'ms');
    report(`dashboard_first_rows_max_${label}`, Math.max(...first), 'ms');

    // The action list comes after the first rows; filters by action need it.
    await page.waitForSelector('.filter-card select[name=action] option[value="user.login"]', {
      state: 'attached',
    });
    const scenarios: [string, Change, Change][] = [
      [
        'action',
        { kind: 'select', name: 'action', value: 'user.login' },
        { kind: 'select', name: 'action', value: '' },
      ],
      [
        'status',
        { kind: 'select', name: 'status', value: 'failure' },
        { kind: 'select', name: 'status', value: '' },
      ],
      [
        'range_7d',
        { kind: 'select', name: 'range', value: '7d' },
        { kind: 'select', name: 'range', value: '30d' },
      ],
      [
        'actor_email',
        { kind: 'text', name: 'actor', value: 'user4242@example.com' },
        { kind: 'text', name: 'actor', value: '' },
      ],
      [
        'actor_id',
        { kind: 'text', name: 'actor', value: 'usr_4242' },
        { kind: 'text', name: 'actor', value: '' },
      ],
      [
        'resource_type',
        { kind: 'text', name: 'resource_type', value: 'api_key' },
        { kind: 'text', name: 'resource_type', value: '' },
      ],
      [
        'workspace',
        { kind: 'text', name: 'workspace', value: 'ws_7' },
        { kind: 'text', name: 'workspace', value: '' },
      ],
      [
        'search_rare',
        { kind: 'text', name: 'q', value: 'resource 424242 ' },
        { kind: 'text', name: 'q', value: '' },
      ],
      [
        'search_common',
        { kind: 'text', name: 'q', value: 'workspace 7' },
        { kind: 'text', name: 'q', value: '' },
      ],
    ];
    for (const [name, apply, undo] of scenarios) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        times.push(await applyFilter(page, apply));
        await applyFilter(page, undo);
      }
      report(`dashboard_filter_${name}_${label}`, median(times), 'ms');
    }
    // A combination: action and status together, then both cleared.
    const combo: number[] = [];
    for (let i = 0; i < runs; i++) {
      await applyFilter(page, { kind: 'select', name: 'action', value: 'user.login' });
      combo.push(await applyFilter(page, { kind: 'select', name: 'status', value: 'failure' }));
      await applyFilter(page, { kind: 'select', name: 'status', value: '' });
      await applyFilter(page, { kind: 'select', name: 'action', value: '' });
    }
    report(`dashboard_filter_action_and_status_${label}`, median(combo), 'ms');
  } finally {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
    await server?.stop();
    await db.drop();
  }
}

await run();
