import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { ADMIN_KEY, createOrgWithKey } from '../../bench/lib.js';
import { runSoak } from '../../bench/soak-lib.js';
import { storageProbe } from '../../bench/soak-storage.js';
import { freePort } from '../faults/ports.js';
import { killServerProcesses, startServerProcess } from '../faults/server-process.js';
import { BACKENDS } from '../helpers/backends.js';

/**
 * The soak's short variant (`npm run soak` is the long one, bench/soak.ts): 60 s of paced batch
 * ingest with queries, exports and chain verifications beside it, on a server process of its own.
 * Nothing acknowledged may be missing and the server must stay up; latency and memory are
 * reported, not asserted (the machine running the suite may be busy with anything).
 */
const SECONDS = 60;
const RATE = 1000;

afterAll(() => killServerProcesses());

function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

for (const backend of BACKENDS) {
  describe(`soak, ${SECONDS} s (${backend.name})`, () => {
    test('loses no acknowledged event and the server stays up', {
      timeout: (SECONDS + 120) * 1000,
    }, async () => {
      const db = await backend.databaseUrl();
      const server = await startServerProcess({
        databaseUrl: db.url,
        port: await freePort(),
        env: { TRAILMARK_ADMIN_KEY: ADMIN_KEY },
      });
      const storage = await storageProbe(db.url);
      try {
        const key = await createOrgWithKey(server.url, 'soak');
        const result = await runSoak({
          url: server.url,
          key,
          seconds: SECONDS,
          rate: RATE,
          rssMiB: () => rssMiB(server.pid),
          storage: () => storage.read(),
          bucketSeconds: 10,
        });
        process.stderr.write(
          `soak ${backend.name}: ${result.acknowledged} acknowledged, p99 by 10 s ${result.p99ByBucket
            .map((p) => p.toFixed(0))
            .join(' ')} ms, RSS ${result.samples.map((s) => s.rssMiB).join(' ')} MiB, ` +
            `${result.queries.done} queries, ${result.exports.done} exports, ${result.verifications.done} verifications\n`,
        );
        expect(result.serverAlive).toBe(true);
        expect(server.alive()).toBe(true);
        expect(result.acknowledged).toBeGreaterThan(0);
        expect(result.lost).toBe(0);
        expect(result.failed).toBe(0);
        expect(result.verifications.failed).toBe(0);
        expect(result.exports.failed).toBe(0);
        expect(result.queries.failed).toBe(0);
      } finally {
        await storage.close();
        await server.stop();
        await db.drop();
      }
    });
  });
}
