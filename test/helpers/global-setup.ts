import { PG_SKIPPED_MESSAGE, PG_URL } from './backends.js';

/** Runs once per test run, before any test file: says so when PostgreSQL is left out. */
export default function setup(): void {
  if (!PG_URL) process.stdout.write(`\n  ${PG_SKIPPED_MESSAGE}\n\n`);
}
