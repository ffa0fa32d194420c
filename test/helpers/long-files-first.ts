import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take a minute or more (the soak runs 60 s per backend, the stream faults wait out
 * receivers' retries) start first. On a fresh checkout Vitest has no timings and starts the
 * largest files first, which put the soak among the last: the run then ended on it alone, a
 * minute or two with one of the two workers idle.
 */
const LONG = [
  'test/soak/',
  'test/streams/stream-faults.test.ts',
  'test/integrity/tamper.test.ts',
  'test/integrity/chain-parts.test.ts',
  'test/faults/faults.test.ts',
];

function rank(file: TestSpecification): number {
  const index = LONG.findIndex((path) => file.moduleId.includes(`/${path}`));
  return index < 0 ? LONG.length : index;
}

export default class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: the rest keep Vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
