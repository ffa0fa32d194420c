import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import type { TestOrg } from '../http/support.js';
import { ROOT, storedEvents } from './support.js';

/**
 * The package as npm would publish it: `npm pack` (which builds dist/esm and dist/cjs), unpacked
 * into a project's node_modules, then loaded with import and with require through its `exports`
 * conditions, and type-checked from an ES module and a CommonJS one.
 */

const SDK = join(ROOT, 'sdk');
const project = tempDir('trailmark-sdk-package-');
let t: TestServer;
let org: TestOrg;

beforeAll(async () => {
  t = await startTestServer();
  org = await t.createOrg('SDK package');
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', project.path], {
    cwd: SDK,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const { filename } = (JSON.parse(out) as Array<{ filename: string }>)[0]!;
  const installed = join(project.path, 'node_modules/@trailmark/sdk');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(project.path, filename), '-C', installed, '--strip-components=1']);
  // What a consumer would have installed beside it: fastify (the plugin's types) and Node's types.
  symlinkSync(join(ROOT, 'node_modules/fastify'), join(project.path, 'node_modules/fastify'));
  mkdirSync(join(project.path, 'node_modules/@types'));
  symlinkSync(join(ROOT, 'node_modules/@types/node'), join(project.path, 'node_modules/@types/node'));
}, 180_000);

afterAll(async () => {
  await t.close();
  project.remove();
});

/**
 * Runs a script in the consumer project; answers its stdout. Asynchronously: the server it
 * talks to runs in this process.
 */
async function run(file: string, source: string): Promise<string> {
  writeFileSync(join(project.path, file), source);
  const { stdout } = await promisify(execFile)(process.execPath, [file, t.url, org.writeKey], {
    cwd: project.path,
    encoding: 'utf8',
  });
  return stdout;
}

const ENTRIES = `Trailmark=\${typeof sdk.Trailmark} events=\${typeof sdk.events.auth.login} spool=\${typeof spool.FileSpool} express=\${typeof express.requestLog} fastify=\${typeof fastify.requestLog}`;
const EXPECTED = 'Trailmark=function events=function spool=function express=function fastify=function';

describe('the packed SDK', () => {
  it('holds only the builds, the manifest and the README', () => {
    const out = execFileSync('tar', ['-tzf', join(project.path, 'trailmark-sdk-0.1.0.tgz')], {
      encoding: 'utf8',
    });
    const files = out.trim().split('\n');
    expect(files.every((f) => /^package\/(dist\/(esm|cjs)\/|package\.json$|README\.md$)/.test(f))).toBe(true);
    expect(files).toContain('package/dist/cjs/package.json');
    expect(files).toContain('package/dist/esm/index.d.ts');
  });

  it('loads with import, and records through a real server', async () => {
    const out = await run(
      'esm.mjs',
      `import * as sdk from '@trailmark/sdk';
import * as spool from '@trailmark/sdk/spool';
import * as express from '@trailmark/sdk/express';
import * as fastify from '@trailmark/sdk/fastify';
const [url, apiKey] = process.argv.slice(2);
const client = new sdk.Trailmark({ url, apiKey });
const { id } = await client.record({ action: 'package.esm_loaded', actor: { type: 'system', id: 'esm' } });
await client.shutdown();
console.log(\`${ENTRIES} id=\${id}\`);
`,
    );
    expect(out).toContain(EXPECTED);
    const id = /id=(\S+)/.exec(out)![1];
    expect((await storedEvents(t, org.readKey, { action: 'package.esm_loaded' })).map((e) => e.id)).toEqual([
      id,
    ]);
  });

  it('loads with require, and records through a real server', async () => {
    const out = await run(
      'cjs.cjs',
      `const sdk = require('@trailmark/sdk');
const spool = require('@trailmark/sdk/spool');
const express = require('@trailmark/sdk/express');
const fastify = require('@trailmark/sdk/fastify');
const [url, apiKey] = process.argv.slice(2);
const client = new sdk.Trailmark({ url, apiKey });
client.record({ action: 'package.cjs_loaded', actor: { type: 'system', id: 'cjs' } }).then(async ({ id }) => {
  await client.shutdown();
  console.log(\`${ENTRIES} id=\${id}\`);
});
`,
    );
    expect(out).toContain(EXPECTED);
    const id = /id=(\S+)/.exec(out)![1];
    expect((await storedEvents(t, org.readKey, { action: 'package.cjs_loaded' })).map((e) => e.id)).toEqual([
      id,
    ]);
  });

  it('type-checks from an ES module and from a CommonJS module', () => {
    const consumer = (importLine: string) => `${importLine}
const client = new Trailmark({ url: 'http://127.0.0.1:1', apiKey: 'k', overflow: 'block', spool: new FileSpool('s') });
const event: EventInput = { action: 'a.b', actor: { type: 'user', id: 'u' }, occurred_at: new Date() };
export const recorded: Promise<{ id: string; queued: boolean }> = client.record(event);
export const helper = client.auth.login({ actor: { type: 'user', id: 'u' } });
export const middleware = requestLog({ client, capture: { body: true } });
`;
    writeFileSync(
      join(project.path, 'consumer.mts'),
      consumer(`import { Trailmark, type EventInput } from '@trailmark/sdk';
import { FileSpool } from '@trailmark/sdk/spool';
import { requestLog } from '@trailmark/sdk/express';`),
    );
    writeFileSync(
      join(project.path, 'consumer.cts'),
      consumer(`import { Trailmark, type EventInput } from '@trailmark/sdk';
import { FileSpool } from '@trailmark/sdk/spool';
import { requestLog } from '@trailmark/sdk/express';`),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const options = [
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
    ];
    execFileSync(process.execPath, [tsc, ...options, 'consumer.mts', 'consumer.cts'], { cwd: project.path });
  });
});
