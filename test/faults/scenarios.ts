import { environment, type FaultKind } from './environments.js';
import { type Failure, IngestLoad } from './ingest-load.js';
import { freePort } from './ports.js';
import { FAULTS_ADMIN_KEY, type ServerProcess, startServerProcess } from './server-process.js';

/**
 * The fault suite: a real server process under concurrent ingest while a fault strikes and
 * clears, then the checks every scenario shares: every acknowledged event is stored with the
 * hash it was acknowledged with, the chain verifies, the server never died unless killed on
 * purpose, every refusal was a 503 with Retry-After, /readyz said so, and service resumed.
 */

export { cleanUpFaults, FAULT_KINDS as SCENARIOS } from './environments.js';
export type ScenarioName = FaultKind;

export interface ScenarioOptions {
  /** Faults struck one after another in the same run. */
  cycles: number;
  /** Ingest before each fault, and after the last one clears. */
  loadMs: number;
  /** How long each fault lasts. */
  faultMs: number;
  writers: number;
  batchSize: number;
  /** A writer's pause after each acknowledgement (none by default). */
  paceMs?: number;
  /** Run the compiled server (bin/trailmark.js) rather than the TypeScript sources. */
  compiled?: boolean;
}

export interface ScenarioResult {
  scenario: ScenarioName;
  /** Why the scenario could not run here (no PostgreSQL programs, no right to mount). */
  skipped?: string;
  acknowledged: number;
  /** Acknowledged ids missing afterwards, or stored with another hash. */
  lost: string[];
  /**
   * Seconds from each fault clearing to the first acknowledgement after it. A SIGKILL clears
   * when the restarted server listens: how long a restart takes is `restartSeconds`.
   */
  recoverySeconds: number[];
  /** SIGKILL: seconds from starting the server again to its listening. */
  restartSeconds: number[];
  /** 503s with Retry-After during the faults. */
  refused: number;
  /** Log lines saying the database became unavailable, and available again. */
  logged: { unavailable: number; available: number };
  /** Everything that broke the rules above; empty when the scenario passed. */
  violations: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(test: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await test()) return true;
    await sleep(50);
  }
  return test();
}

/** A request with a key; the export and the verification of a long run take longer. */
async function call(
  url: string,
  path: string,
  key: string,
  init: RequestInit = {},
  timeoutMs = 30_000,
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${key}`);
  if (init.body) headers.set('content-type', 'application/json');
  return fetch(url + path, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
}

const CHECK_TIMEOUT_MS = 300_000;

async function readyStatus(url: string): Promise<number> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

async function setUpOrg(url: string): Promise<{ id: string; writeKey: string; readKey: string }> {
  const res = await call(url, '/v1/orgs', FAULTS_ADMIN_KEY, {
    method: 'POST',
    body: JSON.stringify({ name: 'Faults' }),
  });
  if (res.status !== 201) throw new Error(`create org: ${res.status} ${await res.text()}`);
  const org = (await res.json()) as { id: string };
  const key = async (scopes: string[]) => {
    const made = await call(url, `/v1/orgs/${org.id}/api-keys`, FAULTS_ADMIN_KEY, {
      method: 'POST',
      body: JSON.stringify({ name: scopes.join(','), scopes }),
    });
    return ((await made.json()) as { key: string }).key;
  };
  return { id: org.id, writeKey: await key(['events:write']), readKey: await key(['events:read']) };
}

/** Every stored event of the org: id → hash. */
async function storedEvents(url: string, key: string): Promise<Map<string, string>> {
  const range = 'from=1970-01-01T00:00:00.000Z&to=2100-01-01T00:00:00.000Z';
  const res = await call(url, `/v1/events/export.jsonl?${range}`, key, {}, CHECK_TIMEOUT_MS);
  if (res.status !== 200) throw new Error(`export: ${res.status} ${await res.text()}`);
  const stored = new Map<string, string>();
  for (const line of (await res.text()).split('\n')) {
    if (!line) continue;
    const event = JSON.parse(line) as { id: string; hash: string };
    stored.set(event.id, event.hash);
  }
  return stored;
}

/**
 * Other routes while the fault lasts, reads and writes: each answers as usual (reads on a full
 * disk) or refuses properly; what else each answered, for a violation.
 */
async function otherRoutes(url: string, org: { id: string; readKey: string }): Promise<string[]> {
  const requests: Array<[string, string, string, RequestInit]> = [
    ['GET /v1/events', '/v1/events?limit=5', org.readKey, {}],
    ['GET /v1/chain', '/v1/chain', org.readKey, {}],
    [
      'POST /v1/orgs',
      '/v1/orgs',
      FAULTS_ADMIN_KEY,
      { method: 'POST', body: JSON.stringify({ name: 'During' }) },
    ],
    [
      'POST /v1/orgs/:org/api-keys',
      `/v1/orgs/${org.id}/api-keys`,
      FAULTS_ADMIN_KEY,
      { method: 'POST', body: JSON.stringify({ name: 'during', scopes: ['events:read'] }) },
    ],
  ];
  const wrong: string[] = [];
  for (const [name, path, key, init] of requests) {
    try {
      const res = await call(url, path, key, init);
      const body = await res.text();
      const answer = {
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        contentType: res.headers.get('content-type'),
      };
      if (!res.ok && !properRefusal(answer))
        wrong.push(`${name} answered ${res.status}: ${body.slice(0, 200)}`);
    } catch (error) {
      wrong.push(`${name} got no response: ${(error as Error).message}`);
    }
  }
  return wrong;
}

/** A refusal as the suite requires it: 503, Retry-After, problem+json. */
function properRefusal(failure: Pick<Failure, 'status' | 'retryAfter' | 'contentType'>): boolean {
  return (
    failure.status === 503 &&
    failure.retryAfter !== null &&
    Number(failure.retryAfter) > 0 &&
    (failure.contentType ?? '').includes('application/problem+json')
  );
}

function describeFailures(kind: string, failures: Failure[]): string {
  const shown = failures
    .slice(0, 3)
    .map((f) => `${f.status || 'no response'} ${f.detail}`)
    .join(' | ');
  return `${failures.length} ${kind}: ${shown}`;
}

/** Log lines that mean a fault was handled as a crash or a bug, not as an outage. */
const BAD_LOG_LINES = [/unhandled error/, /"job failed"/, /cannot rollback/, /Unhandled 'error' event/];

export async function runScenario(name: ScenarioName, options: ScenarioOptions): Promise<ScenarioResult> {
  const result: ScenarioResult = {
    scenario: name,
    acknowledged: 0,
    lost: [],
    recoverySeconds: [],
    restartSeconds: [],
    refused: 0,
    logged: { unavailable: 0, available: 0 },
    violations: [],
  };
  const env = await environment(name);
  if ('skipped' in env) return { ...result, skipped: env.skipped };
  const servers: ServerProcess[] = [];
  const deliberate = new Set<ServerProcess>();
  /** Windows (performance.now()) in which the server was gone on purpose. */
  const gone: Array<{ from: number; to: number }> = [];
  const port = await freePort();
  const start = async () => {
    const server = await startServerProcess({
      databaseUrl: env.databaseUrl,
      port,
      compiled: options.compiled,
    });
    servers.push(server);
    void server.exited.then((code) => {
      if (!deliberate.has(server)) {
        result.violations.push(`the server died (exit ${code}):\n${server.output().slice(-3000)}`);
      }
    });
    return server;
  };
  let load: IngestLoad | undefined;
  try {
    let server = await start();
    const org = await setUpOrg(server.url);
    load = new IngestLoad({
      url: server.url,
      key: org.writeKey,
      writers: options.writers,
      batchSize: options.batchSize,
      paceMs: options.paceMs ?? 0,
    });
    load.start();
    for (let cycle = 0; cycle < options.cycles; cycle++) {
      await sleep(options.loadMs);
      const struck = performance.now();
      if (name.startsWith('sigkill')) {
        deliberate.add(server);
        await server.kill();
      } else {
        await env.inject();
      }
      if (env.refuses) {
        // A fault that leaves room (a WAL that starts over) may take a moment to bite.
        if (!(await until(() => load!.failuresBetween(struck, Infinity).length > 0, 30_000))) {
          result.violations.push(`cycle ${cycle}: ingest was never refused during the fault`);
        } else if ((await readyStatus(server.url)) !== 503) {
          result.violations.push(`cycle ${cycle}: /readyz did not answer 503 during the fault`);
        }
        for (const wrong of await otherRoutes(server.url, org))
          result.violations.push(`cycle ${cycle}: ${wrong}`);
      }
      await sleep(options.faultMs);
      if (!name.startsWith('sigkill') && !server.alive()) throw new Error('the server died during the fault');
      if (name.startsWith('sigkill')) {
        const restarted = performance.now();
        server = await start();
        result.restartSeconds.push((performance.now() - restarted) / 1000);
        gone.push({ from: struck, to: performance.now() + 1000 });
      } else {
        await env.clear();
      }
      const clearedAt = performance.now();
      const current = server;
      const resumed = () => load!.firstOkAfter(clearedAt) !== undefined || !current.alive();
      if ((await until(resumed, 60_000)) && current.alive()) {
        result.recoverySeconds.push((load.firstOkAfter(clearedAt)! - clearedAt) / 1000);
      } else {
        result.violations.push(`cycle ${cycle}: ingest did not resume within 60 s of the fault clearing`);
      }
      const url = server.url;
      if (!(await until(async () => (await readyStatus(url)) === 200, 10_000))) {
        result.violations.push(`cycle ${cycle}: /readyz did not answer 200 after the fault cleared`);
      }
    }
    await sleep(options.loadMs);
    await load.stop();

    result.acknowledged = load.acknowledgedCount;
    const stored = await storedEvents(server.url, org.readKey);
    for (const [id, hash] of load.acknowledged) if (stored.get(id) !== hash) result.lost.push(id);
    const verify = await call(
      server.url,
      '/v1/chain/verify',
      org.readKey,
      { method: 'POST' },
      CHECK_TIMEOUT_MS,
    );
    const report = (await verify.json()) as { ok?: boolean; checked?: number; failure?: unknown };
    if (verify.status !== 200 || report.ok !== true) {
      result.violations.push(`the chain does not verify: ${verify.status} ${JSON.stringify(report)}`);
    }

    const inGoneWindow = (f: Failure) => gone.some((w) => f.at >= w.from && f.at <= w.to);
    const refusals = load.failures.filter(properRefusal);
    result.refused = refusals.length;
    const networkErrors = load.failures.filter((f) => f.status === 0 && !inGoneWindow(f));
    const otherErrors = load.failures.filter((f) => f.status !== 0 && !properRefusal(f));
    if (networkErrors.length > 0)
      result.violations.push(describeFailures('requests got no response', networkErrors));
    if (otherErrors.length > 0)
      result.violations.push(describeFailures('errors other than 503 with Retry-After', otherErrors));

    const output = servers.map((s) => s.output()).join('\n');
    result.logged.unavailable = output.match(/database unavailable/g)?.length ?? 0;
    result.logged.available = output.match(/database available again/g)?.length ?? 0;
    for (const pattern of BAD_LOG_LINES) {
      const line = output.split('\n').find((l) => pattern.test(l));
      if (line) result.violations.push(`the server logged ${pattern}: ${line.slice(0, 500)}`);
    }
    if (env.refuses) {
      if (!/database unavailable/.test(output))
        result.violations.push('no log line said the database became unavailable');
      if (!/database available again/.test(output))
        result.violations.push('no log line said the database was available again');
    }
    if (!server.alive()) result.violations.push('the server is not running at the end');
    deliberate.add(server);
    await server.stop();
  } catch (error) {
    // Said after whatever went before it (a server that died shows as its own violation).
    result.violations.push(`the run failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await load?.stop();
    for (const server of servers) {
      deliberate.add(server);
      await server.kill();
    }
    env.destroy();
  }
  return result;
}
