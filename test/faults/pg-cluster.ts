import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';

/**
 * A throwaway PostgreSQL cluster of the suite's own (initdb + pg_ctl on a free loopback port
 * under /tmp), so that an outage can be staged without touching the shared server. As root it
 * runs as the `postgres` user (PostgreSQL refuses to run as root).
 */
export interface PgCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  start(): Promise<void>;
  /** `fast` ends sessions cleanly (57P01 to each); `immediate` kills the server without a checkpoint. */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server if it runs and removes its files; safe to call twice. */
  destroy(): void;
  /** The server's log, for a failure message. */
  log(): string;
}

/** The directory of PostgreSQL's programs (Debian: /usr/lib/postgresql/<version>/bin), if any. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], 'bin');
}

const asRoot = process.getuid?.() === 0;

function hasPostgresUser(): boolean {
  return spawnSync('id', ['-u', 'postgres']).status === 0;
}

/** Why a throwaway cluster cannot be made here, or undefined when it can. */
export function clusterUnavailableReason(): string | undefined {
  if (!postgresBin()) return 'no PostgreSQL server programs under /usr/lib/postgresql';
  if (asRoot && !hasPostgresUser())
    return 'running as root and there is no postgres user to run a cluster as';
  return undefined;
}

export async function createPgCluster(): Promise<PgCluster> {
  const bin = postgresBin();
  if (!bin) throw new Error('no PostgreSQL server programs found');
  const dir = mkdtempSync('/tmp/trailmark-pg-');
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const argv = (program: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args];
  const run = (program: string, args: string[]) => {
    const result = spawnSync(...argv(program, args), { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) {
      throw new Error(
        `${program} ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`,
      );
    }
  };
  // Starting and stopping run asynchronously: the suite's clients keep sending meanwhile.
  const runAsync = (program: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      execFile(...argv(program, args), { timeout: 60_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${program} ${args.join(' ')} failed: ${stderr}${stdout}`));
        else resolve();
      });
    });
  let running = false;
  let destroyed = false;
  run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
    '--no-instructions',
  ]);
  const options = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${dir}'`,
    '-c shared_buffers=32MB',
    '-c max_connections=50',
  ].join(' ');
  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      running = true;
      await runAsync('pg_ctl', ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
    },
    async stop(mode) {
      await runAsync('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      if (running || existsSync(join(data, 'postmaster.pid'))) {
        try {
          run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
        } catch {
          // not running after all
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
    log() {
      try {
        return spawnSync('tail', ['-n', '40', logFile], { encoding: 'utf8' }).stdout;
      } catch {
        return '';
      }
    },
  };
  return cluster;
}
