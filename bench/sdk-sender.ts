import { type EventInput, Trailmark } from '../sdk/src/index.js';
import { sampleEvent } from './lib.js';

/**
 * One SDK process sending as fast as it can: `sdk-sender.ts URL KEY SECONDS CONCURRENCY [BATCH]`
 * (BATCH events a request, 100 unless given).
 * Records sample events under the `block` policy (record() waits while the queue is full), so
 * the producer runs exactly as fast as the server acknowledges. The events are the 100 of the
 * server's own batch figure (`ingest_batch100_*`), in turn, so both figures ask the server for
 * the same work but for what the SDK adds to each event (an id and a time), which
 * `ingest_batch100_client_ids_*` adds too. After a 2-second warm-up it
 * counts the events acknowledged in SECONDS and the CPU time it used meanwhile, and prints
 * `{"events": n, "seconds": s, "cpuSeconds": c, "retries": r}`.
 */
const [url, apiKey, seconds, concurrency, batch = '100'] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
];
const client = new Trailmark({
  url,
  apiKey,
  batchSize: Number(batch),
  concurrency: Number(concurrency),
  maxQueue: Number(batch) * Number(concurrency) * 4,
  overflow: 'block',
  onError: (error) => process.stderr.write(`sdk: ${error.kind}: ${error.message}\n`),
});

const samples = Array.from({ length: 100 }, (_, i) => sampleEvent(i) as unknown as EventInput);
let producing = true;
const producer = (async () => {
  for (let i = 0; producing; i++) await client.record(samples[i % 100]!);
})();

await new Promise((resolve) => setTimeout(resolve, 2000));
const from = client.stats().acknowledged;
const started = performance.now();
const cpuBefore = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000));
const events = client.stats().acknowledged - from;
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
producing = false;
await producer;
await client.shutdown({ timeoutMs: 30_000 });
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(
  `${JSON.stringify({ events, seconds: elapsed, cpuSeconds, retries: client.stats().retries })}\n`,
);
