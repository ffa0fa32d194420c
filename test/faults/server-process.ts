import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const FAULTS_ADMIN_KEY = 'tmk_faults_admin_key_0123456789abcdefghijklmnop';

export interface ServerProcess {
  url: string;
  pid: number;
  /** Resolves with the exit code (null when a signal ended it) once the process has exited. */
  exited: Promise<number | null>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Everything it wrote to stdout and stderr. */
  output(): string;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** SIGTERM (drains the ingest queue), and wait until it is gone. */
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  databaseUrl: string;
  /** Fixed, so that clients reach a restarted server at the same address. */
  port: number;
  /** The compiled server (bin/trailmark.js, as an operator runs it); else the TypeScript sources. */
  compiled?: boolean;
  env?: Record<string, string>;
}

/** Every server started here and not yet exited, so a failed run can kill them by PID. */
const running = new Set<ChildProcess>();

/** Kills whatever server this module started that is still running (afterAll, exit handlers). */
export function killServerProcesses(): void {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGKILL');
    }
  }
}

/** Starts `trailmark serve` as its own process on 127.0.0.1; resolves once it listens. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const entry = options.compiled ? ['bin/trailmark.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
  const child = spawn(process.execPath, [...entry, 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      DATABASE_URL: options.databaseUrl,
      TRAILMARK_ADMIN_KEY: FAULTS_ADMIN_KEY,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  const url = `http://127.0.0.1:${options.port}`;
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output.includes('listening on')) {
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const end = async (signal: NodeJS.Signals) => {
    if (alive()) process.kill(child.pid!, signal);
    await exited;
  };
  return {
    url,
    pid: child.pid!,
    exited,
    alive,
    output: () => output,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}
