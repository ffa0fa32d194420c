import { type ResourceLimits, Worker } from 'node:worker_threads';

/**
 * Starts a thread module that sits beside this one: the compiled .js, or, when running from
 * TypeScript sources (tests, benchmarks), the .ts through tsx's loader registered in the thread.
 */
export function startThread(name: string, workerData: object, resourceLimits: ResourceLimits = {}): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here), { workerData, resourceLimits });
  const entry = new URL(`./${name}.ts`, here).href;
  return new Worker(new URL('./ts-thread.mjs', here), {
    workerData: { ...workerData, entry },
    resourceLimits,
  });
}
