import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WEB = join(ROOT, 'web');
const INDEX = join(WEB, 'dist', 'index.html');
const LOCK = join(WEB, '.build-lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  try {
    const built = statSync(INDEX).mtimeMs;
    const sources = Math.max(
      newestSource(join(WEB, 'src')),
      // The dashboard is built from the server's shared contracts too.
      newestSource(join(ROOT, 'src', 'contracts')),
      statSync(join(WEB, 'index.html')).mtimeMs,
      statSync(join(WEB, 'vite.config.ts')).mtimeMs,
    );
    return built >= sources;
  } catch {
    return false;
  }
}

/**
 * The suites drive the built dashboard (web/dist), as `npm start` serves it. `npm install` builds
 * it; when a source file is newer than the build (editing locally), it is rebuilt once, under a
 * lock so that parallel test files do not build over each other.
 */
export function ensureDashboardBuilt(): void {
  if (isFresh()) return;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`could not take ${LOCK}; remove it if no build is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    if (!isFresh()) {
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/vite/bin/vite.js'),
          'build',
          '--config',
          'web/vite.config.ts',
          '--logLevel',
          'warn',
        ],
        // vitest sets NODE_ENV=test, which would bundle React's development build.
        { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
      );
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
