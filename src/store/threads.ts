import { type ResourceLimits, Worker } from 'node:worker_threads';

/**
 * Starts the thread module `name` that sits beside the module at `from` (its `import.meta.url`):
 * the compiled .js, or, when running from TypeScript sources (tests, benchmarks), the .ts through
 * tsx's loader registered in the thread.
 */
export function startThread(
  from: string,
  name: string,
  workerData: object,
  resourceLimits: ResourceLimits = {},
): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, from), { workerData, resourceLimits });
  const entry = new URL(`./${name}.ts`, from).href;
  return new Worker(new URL('./ts-thread.mjs', import.meta.url), {
    workerData: { ...workerData, entry },
    resourceLimits,
  });
}
