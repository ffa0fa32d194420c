import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { clusterUnavailableReason, createPgCluster } from './pg-cluster.js';
import { killServerProcesses } from './server-process.js';
import { createSmallDisk } from './small-disk.js';

/** What each fault scenario runs the server on, and the fault it strikes there. */

export const FAULT_KINDS = [
  'sigkill_sqlite',
  'sigkill_postgres',
  'pg_stop_fast',
  'pg_stop_immediate',
  'disk_full',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Environment {
  databaseUrl: string;
  /** Strikes the fault; for the SIGKILL scenario the run does it itself. */
  inject(): Promise<void>;
  clear(): Promise<void>;
  /** Whether ingest is refused (503) while the fault lasts: the run waits for the first refusal. */
  refuses: boolean;
  destroy(): void;
}

/** Cleanups of whatever is still set up (clusters, mounts, directories), run on any exit. */
const cleanups = new Set<() => void>();

/** Kills the servers and removes clusters, mounts and directories this module set up. */
export function cleanUpFaults(): void {
  killServerProcesses();
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // keep going: every other cleanup still has to run
    }
  }
  cleanups.clear();
}
process.once('exit', cleanUpFaults);

function owned(destroy: () => void): () => void {
  const once = () => {
    cleanups.delete(once);
    destroy();
  };
  cleanups.add(once);
  return once;
}

const noFault = async () => {};

export async function environment(name: FaultKind): Promise<Environment | { skipped: string }> {
  if (name === 'sigkill_sqlite') {
    const dir = mkdtempSync('/tmp/trailmark-faults-');
    const destroy = owned(() => rmSync(dir, { recursive: true, force: true }));
    return {
      databaseUrl: join(dir, 'trailmark.db'),
      inject: noFault,
      clear: noFault,
      refuses: false,
      destroy,
    };
  }
  if (name === 'disk_full') {
    const disk = createSmallDisk(512);
    if ('skipped' in disk) return disk;
    const destroy = owned(() => disk.destroy());
    return {
      databaseUrl: join(disk.path, 'trailmark.db'),
      inject: async () => disk.fill(),
      clear: async () => disk.free(),
      refuses: true,
      destroy,
    };
  }
  const unavailable = clusterUnavailableReason();
  if (unavailable) return { skipped: unavailable };
  const cluster = await createPgCluster();
  const destroy = owned(() => cluster.destroy());
  await cluster.start();
  const mode = name === 'pg_stop_immediate' ? 'immediate' : 'fast';
  return {
    databaseUrl: cluster.url,
    inject: name === 'sigkill_postgres' ? noFault : () => cluster.stop(mode),
    clear: name === 'sigkill_postgres' ? noFault : () => cluster.start(),
    refuses: name !== 'sigkill_postgres',
    destroy,
  };
}
