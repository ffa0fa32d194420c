import { prepareEvent } from '../src/domain/prepare-event.js';
import { parseIngestBody } from '../src/domain/validate.js';
import { createEnricher } from '../src/enrich/enricher.js';
import { toAppendRow } from '../src/store/event-row.js';
import { BATCH100_BODY, report } from './lib.js';

/**
 * `npx tsx bench/domain-steps.ts`: the main thread's per-event steps of ingest, each timed alone
 * over 100-event bodies of the benchmark's events (no HTTP, no database).
 */
const enricher = createEnricher();
const now = new Date();
const inputs = parseIngestBody(JSON.parse(BATCH100_BODY), now.getTime());
const pending = inputs.map((input) => prepareEvent(input, 'org', now, enricher));

function step(name: string, fn: () => void, rounds = 300): void {
  for (let i = 0; i < 30; i++) fn();
  const started = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  report(`domain_${name}`, ((performance.now() - started) * 1000) / (rounds * 100), 'us/event');
}

step('json_parse', () => JSON.parse(BATCH100_BODY));
step('parse_and_validate', () => parseIngestBody(JSON.parse(BATCH100_BODY), now.getTime()));
step('prepare', () => inputs.map((input) => prepareEvent(input, 'org', now, enricher)));
step('canonical_row', () => pending.map(toAppendRow));
step('all', () =>
  parseIngestBody(JSON.parse(BATCH100_BODY), now.getTime()).map((input) =>
    toAppendRow(prepareEvent(input, 'org', now, enricher)),
  ),
);
