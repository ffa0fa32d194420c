import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingEvent } from '../../src/domain/event.js';
import { NO_ENRICHMENT, prepareEvent } from '../../src/domain/prepare-event.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { unavailableReason } from '../../src/store/unavailable.js';
import { createSmallDisk, type SmallDisk } from '../faults/small-disk.js';

/**
 * SQLite on a file system that fills up and frees again (a small tmpfs the test mounts; skipped
 * where it may not mount). Every write path fails with SQLITE_FULL itself, which the server
 * answers with 503, rather than with an error that hides it; each works again once space frees,
 * without reopening the store.
 */

const made = createSmallDisk(64);
const skipped = 'skipped' in made ? made.skipped : undefined;
if (skipped) process.stdout.write(`\n  SQLite full-disk tests skipped: ${skipped}\n\n`);

function batch(org: string, from: number, count: number): PendingEvent[] {
  return Array.from({ length: count }, (_, i) =>
    prepareEvent(
      {
        id: `e_${from + i}`,
        action: 'thing.done',
        actor: { type: 'user', id: 'user1' },
        description: 'x'.repeat(2000),
      },
      org,
      new Date(),
      NO_ENRICHMENT,
    ),
  );
}

/**
 * The code of the error `write` fails with once the disk is full. A small write may still fit
 * in the WAL file's tail, which a failed larger commit had grown: it is tried again until the
 * space is gone.
 */
async function failure(write: (attempt: number) => Promise<unknown>): Promise<string | undefined> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    try {
      await write(attempt);
    } catch (error) {
      expect(unavailableReason(error), String(error)).toBeDefined();
      return (error as { code?: string }).code;
    }
  }
  throw new Error('expected the write to fail on a full disk');
}

describe.skipIf(skipped !== undefined)('SQLite on a full disk', () => {
  const disk = made as SmallDisk;
  let store: SqliteStore;
  const org = 'org_full';

  beforeAll(async () => {
    store = new SqliteStore({ path: `${disk.path}/trailmark.db` });
    await store.migrate();
    await store.transaction((tx) => tx.createOrg({ id: org, name: 'Full' }));
  });

  afterAll(async () => {
    disk.free();
    await store?.close();
    disk.destroy();
  });

  it('fails each write with SQLITE_FULL while full, and takes writes again once space frees', async () => {
    const [first] = await store.appendBatches([{ org, events: batch(org, 0, 50) }]);
    expect(first!.ok).toBe(true);

    disk.fill();
    // The ingest writer's thread reports SQLite's code, not only its message.
    let appended = 50;
    let code: string | undefined;
    for (let i = 0; i < 200 && code === undefined; i++) {
      try {
        const [outcome] = await store.appendBatches([{ org, events: batch(org, appended, 200) }]);
        if (outcome!.ok) appended += 200;
      } catch (error) {
        expect(unavailableReason(error)).toBeDefined();
        code = (error as { code?: string }).code;
      }
    }
    expect(code).toBe('SQLITE_FULL');
    // The checkpointer's lease: SQLite has already rolled its transaction back; rolling back
    // again said "cannot rollback - no transaction is active" and hid the full disk.
    expect(await failure((n) => store.leases.acquire(`job_${n}`, 'me', 1000, Date.now()))).toBe(
      'SQLITE_FULL',
    );
    expect(
      await failure((n) => store.transaction((tx) => tx.createOrg({ id: `org_${n}`, name: 'Other' }))),
    ).toBe('SQLITE_FULL');
    // Reads still work on a full disk; only a write tells.
    await store.ping();
    expect(await failure(() => store.ping({ write: true }))).toBe('SQLITE_FULL');

    disk.free();
    await store.ping({ write: true });
    expect(await store.leases.acquire('checkpointer', 'me', 1000, Date.now())).toBe(true);
    const [after] = await store.appendBatches([{ org, events: batch(org, appended, 50) }]);
    expect(after!.ok).toBe(true);
    expect((await store.chainHead(org)).seq).toBe(appended + 50);
  });
});
