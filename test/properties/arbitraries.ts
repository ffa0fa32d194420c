import fc from 'fast-check';

/**
 * Generators shared by the property suites. Runs are fixed (seed and count) so a failure is
 * reproducible and the suite's time stays small.
 */
export const SEED = 20261206;
export const runs = (numRuns: number) => ({ seed: SEED, numRuns });

/**
 * Whether JSON writes `n` as an integer beyond 2^53 (no exponent below 10^21), which the API
 * refuses: JSON readers do not agree on such integers.
 */
export function writtenAsUnsafeInteger(n: number): boolean {
  return Number.isInteger(n) && !Number.isSafeInteger(n) && !String(n).includes('e');
}

/** Any string, including lone surrogates, NUL and other control characters. */
export const anyText = fc.string({ unit: 'binary', maxLength: 40 });

/** Text an audit log stores: well-formed Unicode without NUL. */
export const storableText = (minLength = 0, maxLength = 40) =>
  fc
    .string({ unit: 'grapheme', minLength, maxLength })
    .filter(
      (s) => s.isWellFormed() && !s.includes('\u0000') && s.length >= minLength && s.length <= maxLength,
    );

/** A JSON value of bounded size whose every string and key is storable and no key is __proto__. */
export const storableJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
    fc
      .double({ noNaN: true, noDefaultInfinity: true })
      .filter((n) => !Object.is(n, -0) && !writtenAsUnsafeInteger(n)),
    storableText(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      storableText(0, 16).filter((k) => k !== '__proto__'),
      tie('value'),
      { maxKeys: 4 },
    ),
  ),
})).value;

const segment = fc.stringMatching(/^[a-z0-9_]{1,10}$/);

/** A valid action: 2 to 6 dot-separated segments. */
export const action = fc
  .array(segment, { minLength: 2, maxLength: 6 })
  .map((parts) => parts.join('.'))
  .filter((a) => a.length >= 3 && a.length <= 128);

/** An event the schema accepts, with free-form metadata. */
export const validEvent = fc.record(
  {
    action,
    actor: fc.record(
      {
        type: fc.constantFrom('user', 'api_key', 'service', 'system'),
        id: storableText(1, 60),
        name: storableText(0, 60),
      },
      { requiredKeys: ['type', 'id'] },
    ),
    workspace: storableText(1, 40),
    description: storableText(0, 80),
    status: fc.constantFrom('success', 'failure'),
    resource: fc.record(
      {
        type: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,20}$/),
        id: storableText(1, 40),
        name: storableText(0, 40),
      },
      { requiredKeys: ['type'] },
    ),
    metadata: fc.dictionary(
      storableText(0, 16).filter((k) => k !== '__proto__'),
      storableJson,
      { maxKeys: 5 },
    ),
  },
  { requiredKeys: ['action', 'actor'] },
);
