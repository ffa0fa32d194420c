import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { VerificationGate } from '../../src/workers/verification-gate.js';

/** Issue 14, finding 7: full verifications per org, one at a time and at a bounded rate. */
describe('VerificationGate', () => {
  it('shares the running verification of an org with requests that arrive meanwhile', async () => {
    const gate = new VerificationGate(5);
    let runs = 0;
    let finish!: (value: string) => void;
    const verify = () => {
      runs += 1;
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    };
    const first = gate.run('org_a', 0, verify);
    const second = gate.run('org_a', 0, verify);
    finish('report');
    expect(await Promise.all([first, second])).toEqual(['report', 'report']);
    expect(runs).toBe(1);
    expect(await gate.run('org_a', 0, async () => 'next')).toBe('next');
  });

  it('refuses a start beyond the rate with the seconds to wait, per org, and refills', async () => {
    const gate = new VerificationGate(3);
    for (let i = 0; i < 3; i++) await gate.run('org_a', 1000, async () => i);
    let refusal: unknown;
    try {
      gate.run('org_a', 1000, async () => 'too many');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).code).toBe('rate_limited');
    expect((refusal as AppError).retryAfter).toBe(20);
    expect(await gate.run('org_b', 1000, async () => 'other org')).toBe('other org');
    expect(await gate.run('org_a', 21_000, async () => 'refilled')).toBe('refilled');
  });
});
