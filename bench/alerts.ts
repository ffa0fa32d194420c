import {
  api,
  createOrgWithKey,
  freshDatabase,
  ingestLoad,
  metricValue,
  report,
  sampleEvent,
  startServer,
} from './lib.js';

/**
 * `npm run bench -- --only=alerts [--seconds=15]`: ingest at the batch benchmark's rate (100-event
 * batches, 50 connections) into one org twice, on fresh databases: once with every detector off
 * and no rules, once with every detector on (new-IP sign-ins too) and 20 custom rules. Prints
 * both rates, their ratio (target ≥ 0.9), the alerts consumer's largest lag during the loaded
 * run (target < 2 s, sampled from /metrics) and how long it took to catch up after the load.
 */

export const DETECTORS = [
  'failed_login_spike',
  'new_country_sign_in',
  'new_ip_sign_in',
  'api_key_created',
  'role_changed',
  'member_removed',
  'bulk_deletion',
  'api_usage_spike',
];

/** The batch benchmark's events, with what would make every tenth event an alert of its own
 * (a key created, a failed sign-in) renamed, and one IP per user: a busy org on a quiet day. */
function quietEvent(i: number): Record<string, unknown> {
  const event = sampleEvent(i);
  if (event.action === 'api_key.created') event.action = 'api_key.listed';
  if (event.action === 'user.login_failed') event.action = 'user.mfa_verified';
  const user = i % 5000;
  (event.context as Record<string, unknown>).ip = `203.0.${user >> 8}.${user & 255}`;
  return event;
}

/** Twenty rules of the kinds customers write: actions, filters, groups, thresholds. */
function rules(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const actions = ['template.*', 'document.viewed', 'member.invited', 'user.logout', 'template.updated'];
  const groups = ['actor', 'ip', 'resource', 'none'];
  for (let i = 0; i < 20; i++) {
    out.push({
      name: `Rule ${i}`,
      action: actions[i % actions.length],
      ...(i % 3 === 0
        ? { filters: { status: 'failure' } }
        : i % 3 === 1
          ? { filters: { workspace: `ws_${i}` } }
          : {}),
      threshold: 200 + i * 40,
      window_minutes: 1 + (i % 5),
      group_by: groups[i % groups.length],
      cooldown_minutes: 10,
    });
  }
  return out;
}

/** Turns every built-in detector of `org` on or off. */
export async function setDetectors(url: string, org: string, enabled: boolean): Promise<void> {
  await api(url, `/v1/alert-detectors?org=${org}`, {
    method: 'PATCH',
    json: Object.fromEntries(DETECTORS.map((d) => [d, { enabled }])),
  });
}

/** The alerts consumer's value of `name`, 0 before it has one. */
const metric = (text: string, name: string) => metricValue(text, `${name}{consumer="alerts"}`) ?? 0;

async function run(backend: string, seconds: number, alerting: boolean, port: number) {
  const db = await freshDatabase(backend);
  const server = await startServer(db.url, port);
  try {
    const key = await createOrgWithKey(server.url, 'bench_alerts');
    const org = '?org=bench_alerts';
    await setDetectors(server.url, 'bench_alerts', alerting);
    if (alerting)
      for (const rule of rules())
        await api(server.url, `/v1/alert-rules${org}`, { method: 'POST', json: rule });
    const body = JSON.stringify({ events: Array.from({ length: 100 }, (_, i) => quietEvent(i)) });
    let maxLag = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const text = await (await fetch(`${server.url}/metrics`)).text();
        maxLag = Math.max(maxLag, metric(text, 'trailmark_consumer_lag_seconds'));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const result = await ingestLoad(server.url, key, body, seconds);
    sampling = false;
    await sampler;
    if (result.non2xx > 0 || result.errors > 0) {
      process.stderr.write(`alerts bench: ${result.non2xx} non-2xx responses, ${result.errors} errors\n`);
    }
    const rate = Math.round((result['2xx'] * 100) / result.duration);
    // After the load: how long until the consumer has read everything.
    const stopped = performance.now();
    for (;;) {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      if (metric(text, 'trailmark_consumer_lag_events') === 0 || performance.now() - stopped > 120_000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const catchUp = (performance.now() - stopped) / 1000;
    const alerts = (await api(server.url, `/v1/alerts${org}&limit=200`)).data as unknown[];
    return { rate, maxLag, catchUp, alerts: alerts.length };
  } finally {
    await server.stop();
    await db.drop();
  }
}

export async function runAlertsBenchmark(backend: string, seconds: number): Promise<void> {
  const off = await run(backend, seconds, false, 3911);
  report(`alerts_ingest_detectors_off_${backend}`, off.rate, 'events/s');
  const on = await run(backend, seconds, true, 3912);
  report(`alerts_ingest_detectors_on_${backend}`, on.rate, 'events/s');
  report(`alerts_ingest_on_vs_off_${backend}`, Number((on.rate / off.rate).toFixed(2)), 'ratio');
  report(`alerts_consumer_max_lag_${backend}`, Number(on.maxLag.toFixed(2)), 's');
  report(`alerts_consumer_catch_up_${backend}`, Number(on.catchUp.toFixed(2)), 's');
  report(`alerts_raised_${backend}`, on.alerts, 'alerts');
}
