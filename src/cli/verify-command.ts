import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type Checkpoint, isCheckpointShaped } from '../integrity/checkpoint.js';
import { jwkThumbprint, KeyRing } from '../integrity/ed25519-keys.js';
import { type OfflineReport, verifyExport } from '../integrity/verify-export.js';

/** Exit codes of `trailmark verify`. */
export const VERIFY_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

class UsageError extends Error {}

/**
 * The file's lines in batches, as bytes (views into 1 MiB reads, not decoded: the verifier
 * decodes only what it reads as text). Memory stays flat whatever the file's size. A line cut
 * by the end of a read is joined to its start: the only bytes copied.
 */
export async function* fileLineBatches(path: string): AsyncGenerator<Buffer[]> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let rest: Buffer | undefined;
  for await (const read of stream as AsyncIterable<Buffer>) {
    const lines: Buffer[] = [];
    let start = 0;
    if (rest) {
      const end = read.indexOf(10);
      if (end === -1) {
        rest = Buffer.concat([rest, read]);
        continue;
      }
      lines.push(Buffer.concat([rest, read.subarray(0, end)]));
      start = end + 1;
    }
    for (let end = read.indexOf(10, start); end !== -1; end = read.indexOf(10, start)) {
      lines.push(read.subarray(start, end));
      start = end + 1;
    }
    rest = start < read.length ? read.subarray(start) : undefined;
    yield lines;
  }
  if (rest) yield [rest];
}

function keysFromJson(value: unknown): KeyRing {
  const json = value as { keys?: unknown };
  const list = Array.isArray(json.keys) ? json.keys : [value];
  const ring = KeyRing.fromJwks(list as Array<Record<string, unknown>>);
  if (ring.size === 0) throw new UsageError('no Ed25519 public key (JWK with kty OKP, crv Ed25519) found');
  return ring;
}

/** --public-key: a JWK, a JWK Set, a PEM public key or a base64url raw key, inline or in a file. */
export function parsePublicKey(value: string): KeyRing {
  const text = (existsSync(value) ? readFileSync(value, 'utf8') : value).trim();
  if (text.startsWith('{')) {
    try {
      return keysFromJson(JSON.parse(text));
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError('--public-key: not valid JSON');
    }
  }
  if (text.startsWith('-----BEGIN')) {
    let jwk: JsonWebKey;
    try {
      jwk = createPublicKey(text).export({ format: 'jwk' });
    } catch {
      throw new UsageError('--public-key: not a PEM public key');
    }
    if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
      throw new UsageError('--public-key: not an Ed25519 key');
    return new KeyRing().add(jwkThumbprint(jwk.x), jwk.x);
  }
  if (/^[A-Za-z0-9_-]{43}$/.test(text)) return new KeyRing().add(jwkThumbprint(text), text);
  throw new UsageError('--public-key: give a JWK, a JWK Set, a PEM public key or a base64url key, or a file');
}

export async function fetchKeys(url: string): Promise<KeyRing> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw new UsageError(`--keys-url: ${url} cannot be fetched (${(error as Error).message})`);
  }
  if (!response.ok) throw new UsageError(`--keys-url: ${url} answered ${response.status}`);
  try {
    return keysFromJson(await response.json());
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--keys-url: ${url} did not answer JSON`);
  }
}

/** --checkpoints: a JSON array, the body of GET /v1/chain/checkpoints, or JSONL. */
export function parseCheckpoints(path: string): Checkpoint[] {
  if (!existsSync(path)) throw new UsageError(`--checkpoints: ${path} does not exist`);
  const text = readFileSync(path, 'utf8').trim();
  let items: unknown[];
  try {
    if (text.startsWith('[')) items = JSON.parse(text) as unknown[];
    else if (text.startsWith('{') && !text.includes('\n')) {
      const body = JSON.parse(text) as { data?: unknown };
      items = Array.isArray(body.data) ? body.data : [body];
    } else
      items = text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as unknown);
  } catch {
    throw new UsageError(`--checkpoints: ${path} is not JSON or JSONL`);
  }
  return items.map((item, i) => {
    const { trailmark: _t, ...cp } = item as Record<string, unknown>;
    if (!isCheckpointShaped(cp)) throw new UsageError(`--checkpoints: item ${i + 1} is not a checkpoint`);
    return cp;
  });
}

export function describeReport(report: OfflineReport): string {
  const range = report.first_seq === null ? 'no events' : `seq ${report.first_seq}..${report.last_seq}`;
  const lines: string[] = [];
  if (report.ok) {
    lines.push(
      `OK: ${report.checked} events verified (${range}), ${report.checkpoints_checked} signed checkpoints, ${report.mode} export of ${report.org ?? 'an unknown organization'}`,
    );
  } else {
    const f = report.failure!;
    lines.push(`FAILED at seq ${f.seq}: ${f.reason} (${f.detail})`);
    lines.push(`  ${report.checked} events verified before it (${range}), ${report.mode} export`);
  }
  lines.push(
    report.keys === 'trusted'
      ? '  signatures checked against the public keys you gave'
      : '  signatures checked against the keys inside the export: pass --public-key or --keys-url to check against a key you trust',
  );
  if (report.pruned)
    lines.push(`  ${report.pruned} request log entries were pruned by retention (links checked)`);
  if (report.unattested) {
    lines.push(`  ${report.unattested} newest events are not covered by a signed checkpoint yet`);
  }
  for (const note of report.notes) lines.push(`  ${note}`);
  return `${lines.join('\n')}\n`;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('verify an exported JSONL file offline (exit 0: verified, 1: tampered, 2: bad input)')
    .argument('<file>', 'export.jsonl (best: GET /v1/events/export.jsonl?with_proof=1)')
    .option('--checkpoints <file>', 'signed checkpoints (GET /v1/chain/checkpoints output, JSON or JSONL)')
    .option('--public-key <key>', 'trusted public key: JWK, JWK Set, PEM or base64url, or a file holding one')
    .option('--keys-url <url>', 'fetch the trusted public keys (e.g. https://host/v1/signing-keys)')
    .option('--json', 'print the report as JSON')
    .action(
      async (
        file: string,
        options: { checkpoints?: string; publicKey?: string; keysUrl?: string; json?: boolean },
      ) => {
        try {
          if (!existsSync(file)) throw new UsageError(`${file} does not exist`);
          if (options.publicKey && options.keysUrl)
            throw new UsageError('give --public-key or --keys-url, not both');
          const trustedKeys = options.publicKey
            ? parsePublicKey(options.publicKey)
            : options.keysUrl
              ? await fetchKeys(options.keysUrl)
              : undefined;
          const checkpoints = options.checkpoints ? parseCheckpoints(options.checkpoints) : undefined;
          const report = await verifyExport(fileLineBatches(file), {
            ...(trustedKeys ? { trustedKeys } : {}),
            ...(checkpoints ? { checkpoints } : {}),
          });
          process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : describeReport(report));
          process.exitCode = report.ok ? VERIFY_EXIT.ok : VERIFY_EXIT.failed;
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          process.stderr.write(`trailmark verify: ${error.message}\n`);
          process.exitCode = VERIFY_EXIT.usage;
        }
      },
    );
}
