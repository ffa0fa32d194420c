import { describe, expect, it } from 'vitest';
import { SELF_ACTIONS } from '../../src/contracts/self-actions.js';
import { NO_ENRICHMENT } from '../../src/domain/prepare-event.js';
import { selfEvent } from '../../src/operations/self-event.js';

describe("Trailmark's own actions", () => {
  it('are one list of distinct resource.verb names', () => {
    expect(new Set(SELF_ACTIONS).size).toBe(SELF_ACTIONS.length);
    for (const action of SELF_ACTIONS) expect(action).toMatch(/^[a-z_]+\.[a-z_]+$/);
  });

  it('are the only names the self-event builder takes (a free string does not compile)', () => {
    const fields = { description: 'test' };
    expect(selfEvent('org_1', 'user.login', null, {}, fields, NO_ENRICHMENT).action).toBe('user.login');
    // @ts-expect-error: not one of Trailmark's own actions
    const unlisted = selfEvent('org_1', 'user.signed_in', null, {}, fields, NO_ENRICHMENT);
    expect(unlisted.action).toBe('user.signed_in');
  });
});
