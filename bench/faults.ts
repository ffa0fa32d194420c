import { cleanUpFaults, runScenario, SCENARIOS, type ScenarioName } from '../test/faults/scenarios.js';
import { argValue, report } from './lib.js';

/**
 * `npm run faults [-- --only=disk_full,pg_stop_fast] [--cycles=3] [--fault-seconds=5]
 *   [--load-seconds=5] [--writers=12] [--sources]`
 *
 * The fault suite at length: each scenario strikes its fault `cycles` times under concurrent
 * ingest into the compiled server (the TypeScript sources with --sources), and prints
 * `BENCH faults_<scenario>_... value unit` lines. It fails (exit 1) when an acknowledged event is
 * missing, a rule of the suite was broken (test/faults/scenarios.ts), or service took longer
 * than 5 s to resume after a fault cleared.
 */

const RECOVERY_LIMIT_S = 5;

const only = argValue('only', SCENARIOS.join(',')).split(',').filter(Boolean) as ScenarioName[];
const unknown = only.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
if (unknown.length > 0)
  throw new Error(`unknown scenarios ${unknown.join(', ')}; use ${SCENARIOS.join(', ')}`);
const options = {
  cycles: Number(argValue('cycles', '3')),
  faultMs: Number(argValue('fault-seconds', '5')) * 1000,
  loadMs: Number(argValue('load-seconds', '5')) * 1000,
  writers: Number(argValue('writers', '12')),
  batchSize: 20,
  // At most 2,400 events/s: a run's data stays within the tmpfs and the checks' time.
  paceMs: 100,
  compiled: !process.argv.includes('--sources'),
};

// Servers, clusters and mounts go with the run, however it ends.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUpFaults();
    process.exit(130);
  });
}

const failed: string[] = [];
try {
  for (const name of only) {
    const started = performance.now();
    const result = await runScenario(name, options);
    if (result.skipped) {
      process.stdout.write(`SKIPPED faults_${name}: ${result.skipped}\n`);
      continue;
    }
    const recovery = Math.max(...result.recoverySeconds);
    report(`faults_${name}_acknowledged`, result.acknowledged, 'events');
    report(`faults_${name}_lost`, result.lost.length, 'events');
    report(`faults_${name}_recovery_s`, Number(recovery.toFixed(2)), 's');
    report(`faults_${name}_refused_503`, result.refused, 'responses');
    if (result.restartSeconds.length > 0) {
      report(`faults_${name}_restart_s`, Number(Math.max(...result.restartSeconds).toFixed(2)), 's');
    }
    process.stderr.write(
      `${name}: ${options.cycles} faults, recovery ${result.recoverySeconds.map((s) => s.toFixed(2)).join(' / ')} s, ` +
        `logged unavailable ${result.logged.unavailable}x and available again ${result.logged.available}x, ` +
        `${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
    const problems = [...result.violations];
    if (result.lost.length > 0)
      problems.push(`${result.lost.length} acknowledged events lost: ${result.lost.slice(0, 5).join(', ')}`);
    if (!(recovery <= RECOVERY_LIMIT_S))
      problems.push(
        `service resumed ${recovery.toFixed(2)} s after the fault cleared (limit ${RECOVERY_LIMIT_S} s)`,
      );
    for (const problem of problems) failed.push(`${name}: ${problem}`);
  }
} finally {
  cleanUpFaults();
}
if (failed.length > 0) {
  process.stderr.write(`\nfaults: FAILED\n${failed.map((f) => `  ${f}`).join('\n')}\n`);
  process.exit(1);
}
process.stderr.write('\nfaults: every scenario passed\n');
