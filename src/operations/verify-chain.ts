import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ChainVerifier, type VerifyReport } from '../integrity/chain-verifier.js';
import type { KeyRing } from '../integrity/signing-keys.js';
import type { StoredVerification } from '../store/integrity-store.js';
import type { AuditStore } from '../store/store.js';

const LINKS_PER_READ = 4000;
const CHECKPOINTS_PER_READ = 1000;

/**
 * Verifies an org's whole retained chain against its checkpoints and the deployment's public
 * keys. Reads a few thousand links at a time and yields to the event loop between reads, so
 * memory stays flat and ingest keeps being served while a long chain is checked.
 */
export async function verifyOrgChain(store: AuditStore, org: string, keys: KeyRing): Promise<VerifyReport> {
  const head = await store.chainHead(org);
  const start = await store.integrity.chainStart(org);
  const verifier = new ChainVerifier({ org, start, keys, allCheckpoints: true });

  // Checkpoints are loaded a page at a time, always at least one beyond the links read so far,
  // so the verifier knows the checkpoint that covers where the chain starts and where it ends.
  let checkpointsFrom = Math.max(1, start.seq - 1);
  let checkpointsDone = false;
  let loadedThrough = 0;
  const loadCheckpoints = async (through: number) => {
    while (!checkpointsDone && loadedThrough <= through) {
      const page = await store.integrity.listCheckpoints(org, checkpointsFrom, CHECKPOINTS_PER_READ);
      for (const cp of page) verifier.addCheckpoint(cp);
      if (page.length < CHECKPOINTS_PER_READ) checkpointsDone = true;
      else {
        loadedThrough = page[page.length - 1]!.seq;
        checkpointsFrom = loadedThrough + 1;
      }
    }
  };

  let next = start.seq;
  for (;;) {
    await loadCheckpoints(next + LINKS_PER_READ);
    const links = await store.integrity.chainLinks(org, next, Number.MAX_SAFE_INTEGER, LINKS_PER_READ);
    let ok = true;
    for (const link of links) {
      if (!verifier.push(link)) {
        ok = false;
        break;
      }
    }
    if (!ok || links.length < LINKS_PER_READ) break;
    next = links[links.length - 1]!.seq + 1;
    await yieldToLoop();
  }
  if (!verifier.failure) {
    // One checkpoint beyond the last link is enough to tell that links were cut off.
    const beyond = await store.integrity.checkpointCovering(org, verifier.nextSeq);
    if (beyond) verifier.addCheckpoint(beyond);
  }
  return verifier.finish(head);
}

/** Verifies and records the outcome, which GET /v1/chain shows as `last_verification`. */
export async function verifyAndRecord(
  store: AuditStore,
  org: string,
  keys: KeyRing,
  now: () => Date,
): Promise<StoredVerification> {
  const report = await verifyOrgChain(store, org, keys);
  const stored: StoredVerification = { ...report, verified_at: now().toISOString() };
  await store.integrity.saveVerification(org, stored);
  return stored;
}
