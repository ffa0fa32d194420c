import { type FileHandle, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Spool, SpooledEvent } from './spool.js';

export type { Spool, SpooledEvent } from './spool.js';

export interface FileSpoolOptions {
  /**
   * Once every event in the file is done and the file is larger than this, it is emptied; when
   * it is larger than 4× this, it is rewritten with the pending events only. Default 4 MiB.
   */
  compactBytes?: number;
}

/**
 * An append-only file of the events recorded and not yet acknowledged (Node only):
 * `{"add":[event, …]}` lines, written and fsynced before their events are sent, and
 * `{"done":[id, …]}` lines once the server acknowledged them (or refused them for good). A done
 * line is not synced: losing one only means its events are sent again at the next start, and
 * the server recognises them by id. On open, the pending events are replayed and the file is
 * rewritten to hold just them. One process at a time: a lock file names the owner's pid.
 */
export class FileSpool implements Spool {
  private handle: FileHandle | undefined;
  private readonly pending = new Map<string, SpooledEvent>();
  private size = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly compactBytes: number;
  private readonly lockPath: string;

  constructor(
    readonly path: string,
    options: FileSpoolOptions = {},
  ) {
    this.compactBytes = options.compactBytes ?? 4 * 1024 * 1024;
    this.lockPath = `${path}.lock`;
  }

  async open(): Promise<SpooledEvent[]> {
    await this.lock();
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      let record: { add?: unknown[]; done?: string[] };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        // A line cut short by a crash: its append never completed, so record() never relied on it.
        continue;
      }
      for (const event of record.add ?? []) {
        const { id, org } = event as { id: string; org?: string };
        this.pending.set(id, { id, org, json: JSON.stringify(event) });
      }
      for (const id of record.done ?? []) this.pending.delete(id);
    }
    await this.rewrite();
    return [...this.pending.values()];
  }

  append(events: readonly SpooledEvent[]): Promise<void> {
    return this.serial(async () => {
      for (const event of events) this.pending.set(event.id, event);
      await this.write(`{"add":[${events.map((e) => e.json).join(',')}]}\n`);
      await this.handle!.datasync();
    });
  }

  done(ids: readonly string[]): Promise<void> {
    return this.serial(async () => {
      for (const id of ids) this.pending.delete(id);
      if (this.pending.size === 0 && this.size > this.compactBytes) {
        await this.handle!.truncate(0);
        await this.handle!.datasync();
        this.size = 0;
        return;
      }
      await this.write(`${JSON.stringify({ done: ids })}\n`);
      if (this.size > 4 * this.compactBytes) await this.rewrite();
    });
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      await this.handle?.close();
      this.handle = undefined;
      await rm(this.lockPath, { force: true });
    });
  }

  /** Spool operations run one after another, in the order they were asked for. */
  private serial(work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async write(line: string): Promise<void> {
    const bytes = Buffer.from(line);
    // appendFile writes it all (write() may stop short); the handle is in append mode.
    await this.handle!.appendFile(bytes);
    this.size += bytes.length;
  }

  /** Replaces the file with one holding the pending events only: written, synced, renamed. */
  private async rewrite(): Promise<void> {
    await this.handle?.close();
    const temporary = `${this.path}.${process.pid}.tmp`;
    const events = [...this.pending.values()];
    const content = events.length > 0 ? `{"add":[${events.map((e) => e.json).join(',')}]}\n` : '';
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, this.path);
    await syncDirectory(dirname(this.path));
    this.handle = await open(this.path, 'a');
    this.size = Buffer.byteLength(content);
  }

  private async lock(): Promise<void> {
    try {
      await writeFile(this.lockPath, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(this.lockPath, 'utf8')).trim());
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new Error(`spool ${this.path} is in use by process ${owner}`);
    }
    // The owner is gone (killed, crashed): the spool is ours.
    await writeFile(this.lockPath, String(process.pid));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A rename is durable once the directory holding it is synced. */
async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
