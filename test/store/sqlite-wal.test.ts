import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NO_ENRICHMENT, prepareEvent } from '../../src/domain/prepare-event.js';
import { parseIngestBody } from '../../src/domain/validate.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp.js';

/**
 * Commits that follow each other without a pause never let the checkpoint thread reach the
 * WAL's end, so the WAL would never start over. The writer finishes the checkpoint itself once
 * the WAL passes `walRestartBytes`. The same load runs against a store whose limit is never
 * reached, to show what the WAL grows to without it.
 */
const inputs = parseIngestBody({
  events: Array.from({ length: 50 }, (_, i) => ({
    action: 'document.viewed',
    actor: { type: 'user', id: `u_${i}` },
    description: `viewed ${'x'.repeat(1000)}`,
  })),
});

/**
 * The largest the WAL got while 16 callers appended `batches` batches between them without a
 * pause. A fixed volume rather than a fixed time, so a slow or busy machine writes as much.
 */
async function largestWalUnderLoad(path: string, walRestartBytes: number, batches: number): Promise<number> {
  const store = new SqliteStore({ path, walRestartBytes });
  await store.migrate();
  await store.transaction((tx) => tx.createOrg({ id: 'org_wal', name: 'WAL' }));
  let largest = 0;
  let remaining = batches;
  const caller = async () => {
    while (remaining-- > 0) {
      const events = inputs.map((input) => prepareEvent(input, 'org_wal', new Date(), NO_ENRICHMENT));
      const [outcome] = await store.appendBatches([{ org: 'org_wal', events }]);
      expect(outcome?.ok).toBe(true);
      largest = Math.max(largest, statSync(`${path}-wal`).size);
    }
  };
  try {
    await Promise.all(Array.from({ length: 16 }, caller));
  } finally {
    await store.close();
  }
  return largest;
}

/** 48 MB of rows or more (50 events of about 1.2 KB a batch): well past the 32 MiB asserted. */
const BATCHES = 800;

describe('SQLite WAL under sustained ingest', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('starts the WAL over instead of growing it while commits never pause', async () => {
    const unbounded = await largestWalUnderLoad(
      join(dir.path, 'unbounded.db'),
      Number.MAX_SAFE_INTEGER,
      BATCHES,
    );
    const bounded = await largestWalUnderLoad(join(dir.path, 'bounded.db'), 1024 * 1024, BATCHES);
    // Without the limit the WAL holds everything written in the run; with it, what was written
    // since the checkpoint thread last reported the WAL too long (it reports every 200 ms).
    expect(unbounded).toBeGreaterThan(32 * 1024 * 1024);
    expect(bounded).toBeLessThan(unbounded / 3);
  });
});
