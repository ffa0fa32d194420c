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

/** The largest the WAL got while 16 callers appended without a pause for `ms`. */
async function largestWalUnderLoad(path: string, walRestartBytes: number, ms: number): Promise<number> {
  const store = new SqliteStore({ path, walRestartBytes });
  await store.migrate();
  await store.transaction((tx) => tx.createOrg({ id: 'org_wal', name: 'WAL' }));
  let largest = 0;
  const deadline = Date.now() + ms;
  const caller = async () => {
    while (Date.now() < deadline) {
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

describe('SQLite WAL under sustained ingest', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('starts the WAL over instead of growing it while commits never pause', async () => {
    const unbounded = await largestWalUnderLoad(
      join(dir.path, 'unbounded.db'),
      Number.MAX_SAFE_INTEGER,
      2000,
    );
    const bounded = await largestWalUnderLoad(join(dir.path, 'bounded.db'), 1024 * 1024, 2000);
    // Without the limit the WAL holds everything written in the run; with it, what was written
    // since the checkpoint thread last reported the WAL too long (it reports every 200 ms).
    expect(unbounded).toBeGreaterThan(32 * 1024 * 1024);
    expect(bounded).toBeLessThan(unbounded / 3);
  });
});
