import { expect } from 'vitest';
import { NO_ENRICHMENT, prepareEvent } from '../../src/domain/prepare-event.js';
import { parseIngestBody } from '../../src/domain/validate.js';
import type { AuditStore } from '../../src/store/store.js';

/** How many search blocks appendBlockPopulation leaves: acme's 1,300 events and globex's 700. */
export const POPULATION_BLOCKS = Math.ceil(1300 / 256) + Math.ceil(700 / 256);

/**
 * Two orgs whose events fill every column a search block keeps (search text, IP, resource id,
 * workspace, time), appended in commits of both: what the migrations that build the blocks
 * again are held to. globex has fewer events, so its last block is partly filled at another seq
 * than acme's.
 */
export async function appendBlockPopulation(store: AuditStore): Promise<void> {
  for (const org of ['acme', 'globex']) await store.transaction((tx) => tx.createOrg({ id: org, name: org }));
  const now = Date.now();
  for (let start = 0; start < 1300; start += 100) {
    const events = (org: string) =>
      Array.from({ length: 100 }, (_, k) => {
        const i = start + k;
        const input = parseIngestBody({
          action: i % 2 ? 'user.login' : 'document.deleted',
          actor: { type: 'user', id: `u_${i % 37}`, email: `Person${i % 37}@Example.com` },
          resource: { type: 'document', id: `doc_${org}_${i}`, name: `Report ${i}` },
          occurred_at: new Date(now - (1300 - i) * 60_000).toISOString(),
          ...(i % 3 ? { context: { ip: `10.1.${i % 256}.${(i * 7) % 256}` } } : {}),
          description: `did ${i} things`,
          ...(i % 4 ? { workspace: `WS_${i % 9}` } : {}),
        })[0]!;
        return prepareEvent(input, org, new Date(), NO_ENRICHMENT);
      });
    const batches = [{ org: 'acme', events: events('acme') }];
    if (start < 700) batches.push({ org: 'globex', events: events('globex') });
    const outcomes = await store.appendBatches(batches);
    expect(outcomes.every((o) => o.ok)).toBe(true);
  }
}
