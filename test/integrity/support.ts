import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { VerifyReport } from '../../src/integrity/chain-verifier.js';
import type { OfflineReport } from '../../src/integrity/verify-export.js';
import type { TestServer } from '../helpers/test-server.js';

export type TestOrg = Awaited<ReturnType<TestServer['createOrg']>>;

/** Ingests `n` events in batches of up to 100; answers their seqs in order. */
export async function ingest(
  t: TestServer,
  org: TestOrg,
  n: number,
  make: (i: number) => Record<string, unknown> = (i) => ({
    action: 'template.updated',
    actor: { type: 'user', id: `u_${i % 7}`, email: `u${i % 7}@example.com` },
    resource: { type: 'template', id: `tpl_${i}` },
    description: `event ${i}`,
    metadata: { i },
  }),
): Promise<number[]> {
  const seqs: number[] = [];
  for (let done = 0; done < n; ) {
    const size = Math.min(100, n - done);
    const events = Array.from({ length: size }, (_, k) => make(done + k));
    const res = await t.request('/v1/events', { method: 'POST', key: org.writeKey, json: { events } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { events: Array<{ seq: number }> };
    seqs.push(...body.events.map((e) => e.seq));
    done += size;
  }
  return seqs;
}

export async function verifyOnline(t: TestServer, org: TestOrg): Promise<VerifyReport> {
  const res = await t.request('/v1/chain/verify', { method: 'POST', key: org.readKey });
  expect(res.status).toBe(200);
  return (await res.json()) as VerifyReport;
}

/** Downloads an export into `dir` and answers the file's path. */
export async function exportTo(
  t: TestServer,
  org: TestOrg,
  dir: string,
  query: string,
  name = 'export.jsonl',
) {
  const res = await t.request(`/v1/events/export.jsonl?${query}`, { key: org.readKey });
  expect(res.status).toBe(200);
  const path = join(dir, name);
  writeFileSync(path, await res.text());
  return path;
}

/** The deployment's public keys as served by GET /v1/signing-keys, saved as a JWK Set file. */
export async function savePublicKeys(t: TestServer, dir: string): Promise<string> {
  const res = await t.request('/v1/signing-keys', { key: null });
  expect(res.status).toBe(200);
  const path = join(dir, 'keys.json');
  writeFileSync(path, await res.text());
  return path;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `trailmark` CLI in its own process. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `trailmark verify FILE --json ...`: the exit code and the report it printed. */
export async function verifyOffline(
  file: string,
  extra: string[] = [],
): Promise<{ code: number | null; report: OfflineReport; stderr: string }> {
  const result = await runCli(['verify', file, '--json', ...extra]);
  if (result.code === 2 || !result.stdout.trim()) {
    throw new Error(`trailmark verify failed to run (${result.code}): ${result.stderr}`);
  }
  return { code: result.code, report: JSON.parse(result.stdout) as OfflineReport, stderr: result.stderr };
}
