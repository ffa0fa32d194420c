import { performance } from 'node:perf_hooks';
import { chainHash } from '../src/domain/chain.js';
import { derivedValues } from '../src/domain/event-columns.js';
import { prepareEvent } from '../src/domain/prepare-event.js';
import { parseIngestBody } from '../src/domain/validate.js';
import { createEnricher } from '../src/enrich/enricher.js';
import { type ChainLink, ChainVerifier, GENESIS } from '../src/integrity/chain-verifier.js';
import { KeyRing } from '../src/integrity/ed25519-keys.js';
import { toAppendRow } from '../src/store/event-row.js';
import { report, sampleEvent } from './lib.js';

/**
 * What checking the stored columns against each body (column_mismatch) costs the online walk,
 * in-process and without the database: one chain of `events` sample events (about 1.1 KB each),
 * walked by the verifier with and without their columns, alternated `rounds` times; the
 * medians of each and their ratio. Reading the rows is left out (the same in both), so the
 * ratio is an upper bound of what the check adds to POST /v1/chain/verify.
 */
export function verifyColumnsBenchmark(events: number, rounds: number): void {
  const enricher = createEnricher();
  const org = 'bench_columns';
  const plain: ChainLink[] = [];
  const withColumns: ChainLink[] = [];
  let prev = GENESIS;
  for (let i = 0; i < events; i++) {
    const [input] = parseIngestBody(sampleEvent(i));
    const pending = prepareEvent(input!, org, new Date(), enricher);
    const row = toAppendRow(pending);
    const seq = i + 1;
    const body = `${row.head}${seq}${row.tail}`;
    const hash = chainHash(prev, body);
    plain.push({ seq, prev_hash: prev, hash, body });
    withColumns.push({ seq, prev_hash: prev, hash, body, columns: derivedValues(pending) });
    prev = hash;
  }
  const walk = (links: ChainLink[]) => {
    const verifier = new ChainVerifier({
      org,
      start: { seq: 1, prev_hash: GENESIS },
      keys: new KeyRing(),
      allCheckpoints: true,
    });
    const started = performance.now();
    for (const link of links) if (!verifier.push(link)) throw new Error(JSON.stringify(verifier.failure));
    const seconds = (performance.now() - started) / 1000;
    if (!verifier.finish().ok) throw new Error('the chain does not verify');
    return links.length / seconds;
  };
  const off: number[] = [];
  const on: number[] = [];
  walk(plain); // warm up both paths
  walk(withColumns);
  for (let r = 0; r < rounds; r++) {
    off.push(walk(plain));
    on.push(walk(withColumns));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  report('verify_walk_columns_off', Math.round(median(off)), 'events/s');
  report('verify_walk_columns_on', Math.round(median(on)), 'events/s');
  report('verify_walk_columns_ratio', Number((median(on) / median(off)).toFixed(2)), 'ratio');
}
