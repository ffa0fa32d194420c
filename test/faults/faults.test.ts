import { afterAll, describe, expect, it } from 'vitest';
import { cleanUpFaults, runScenario, type ScenarioName } from './scenarios.js';

/**
 * The fault suite, short: each fault strikes once, briefly, under concurrent ingest into a real
 * server process. `npm run faults` runs the same scenarios longer, several times each, and
 * prints their figures (docs/benchmarks.md). SIGKILL on PostgreSQL is left to that run: the
 * durability suite kills a server on both backends already.
 */

const SHORT = { cycles: 1, loadMs: 1000, faultMs: 1500, writers: 6, batchSize: 20 };

const SCENARIOS: Array<{ name: ScenarioName; what: string; refuses: boolean }> = [
  { name: 'sigkill_sqlite', what: 'the server is killed with SIGKILL and started again', refuses: false },
  { name: 'pg_stop_fast', what: 'its PostgreSQL is stopped (-m fast) and started again', refuses: true },
  {
    name: 'pg_stop_immediate',
    what: 'its PostgreSQL is stopped (-m immediate) and started again',
    refuses: true,
  },
  { name: 'disk_full', what: "SQLite's disk fills up and frees again", refuses: true },
];

afterAll(cleanUpFaults);

describe('fault suite (short)', () => {
  for (const scenario of SCENARIOS) {
    it(`keeps every acknowledged event and resumes when ${scenario.what}`, async (context) => {
      const result = await runScenario(scenario.name, SHORT);
      if (result.skipped) {
        process.stdout.write(`\n  fault scenario ${scenario.name} skipped: ${result.skipped}\n\n`);
        context.skip(result.skipped);
        return;
      }
      expect(result.violations).toEqual([]);
      expect(result.lost).toEqual([]);
      expect(result.acknowledged).toBeGreaterThan(0);
      expect(result.recoverySeconds).toHaveLength(SHORT.cycles);
      if (scenario.refuses) {
        expect(result.refused).toBeGreaterThan(0);
        expect(result.logged.unavailable).toBeGreaterThanOrEqual(1);
        expect(result.logged.available).toBeGreaterThanOrEqual(1);
      }
    }, 180_000);
  }
});
