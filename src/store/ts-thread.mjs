// Starts a worker thread from TypeScript sources (tests, benchmarks): registers tsx's loader in
// the thread, then loads the module named in workerData. Compiled builds load their .js directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
