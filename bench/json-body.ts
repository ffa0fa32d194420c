import sjson from 'secure-json-parse';
import { parseJsonBody } from '../src/http/json-body.js';
import { report, sampleEvent } from './lib.js';

/**
 * `npx tsx bench/json-body.ts`: main-thread time per event of reading an ingest body, 100-event
 * batches of bench/lib.ts's sample event: Fastify's own JSON parser (secure-json-parse over the
 * decoded text) against Trailmark's (src/http/json-body.ts: UTF-8 check, the number and
 * surrogate checks). Both start from the body's bytes, as the server receives them.
 */
const EVENTS = 100;
const body = Buffer.from(
  JSON.stringify({ events: Array.from({ length: EVENTS }, (_, i) => sampleEvent(i)) }),
);

function perEvent(parse: () => unknown): number {
  const rounds = 3000;
  for (let i = 0; i < 300; i++) parse();
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    for (let i = 0; i < rounds; i++) parse();
    best = Math.min(best, ((performance.now() - started) * 1000) / rounds / EVENTS);
  }
  return best;
}

const fastify = perEvent(() => sjson.parse(body.toString('utf8')));
const trailmark = perEvent(() => parseJsonBody(body));
report('json_body_fastify_default', Number(fastify.toFixed(2)), 'us/event');
report('json_body_trailmark', Number(trailmark.toFixed(2)), 'us/event');
