import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A small file system of the suite's own, to fill up and free again: a tmpfs, or else an ext4
 * image on a loop device. Both need the right to mount (root); without it the scenario is
 * skipped, saying why.
 */
export interface SmallDisk {
  /** Where it is mounted. */
  path: string;
  /** 'tmpfs' or 'loop'. */
  kind: string;
  /** Writes a filler file until the file system has no space left. */
  fill(): void;
  /** Deletes the filler file. */
  free(): void;
  /** Unmounts and removes everything; safe to call twice. */
  destroy(): void;
}

function run(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

export function createSmallDisk(sizeMiB: number): SmallDisk | { skipped: string } {
  if (process.getuid?.() !== 0) return { skipped: 'mounting a small file system needs root' };
  const base = mkdtempSync('/tmp/trailmark-disk-');
  const path = join(base, 'mnt');
  const image = join(base, 'disk.img');
  rmSync(path, { recursive: true, force: true });
  spawnSync('mkdir', [path]);
  let kind: string | undefined;
  if (run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0777`, 'tmpfs', path])) kind = 'tmpfs';
  else if (
    run('truncate', ['-s', `${sizeMiB}M`, image]) &&
    run('mkfs.ext4', ['-q', '-F', image]) &&
    run('mount', ['-o', 'loop', image, path])
  ) {
    kind = 'loop';
  }
  if (!kind) {
    rmSync(base, { recursive: true, force: true });
    return { skipped: 'neither a tmpfs nor a loop file system could be mounted here' };
  }
  const filler = join(path, 'filler');
  let destroyed = false;
  return {
    path,
    kind,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        for (const size of [1 << 20, 1 << 12, 1 << 9]) {
          const block = Buffer.alloc(size, 0x5a);
          try {
            for (;;) writeSync(fd, block);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      // Lazy: a process that still holds a file there must not keep the mount alive.
      if (!run('umount', [path])) run('umount', ['-l', path]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
