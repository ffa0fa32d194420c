import type { VerifyReport } from '../integrity/chain-verifier.js';
import { mergePartReports, planChainParts, walkChainPart } from '../integrity/chain-walk.js';
import type { KeyRing } from '../integrity/ed25519-keys.js';
import type { AuditStore } from '../store/store.js';
import type { StoredVerification } from '../store/verification-store.js';

export interface VerifyOptions {
  /** Parts walked at once, each in its own snapshot (a thread on SQLite, a connection on PostgreSQL). */
  threads: number;
  /** A chain is split only into parts of at least this many events. */
  minPartEvents: number;
}

export const DEFAULT_VERIFY_OPTIONS: VerifyOptions = { threads: 1, minPartEvents: 100_000 };

/**
 * Verifies an org's whole retained chain against its checkpoints and the deployment's public
 * keys. On a store that walks parts on threads, a long chain is split at signed checkpoints and
 * its parts walked at once; the report is the one a single walk would give. Other stores walk it
 * in-process.
 */
export async function verifyOrgChain(
  store: AuditStore,
  org: string,
  keys: KeyRing,
  options: VerifyOptions = DEFAULT_VERIFY_OPTIONS,
): Promise<VerifyReport> {
  const head = await store.chainHead(org);
  const start = await store.chain.start(org);
  if (store.chain.walkParts) {
    // Even one part is walked this way: in one snapshot, so events committed during the walk
    // are not taken for links beyond the head.
    const parts = await planChainParts(store, org, start, head.seq, options.threads, options.minPartEvents);
    return mergePartReports(await store.chain.walkParts(org, keys, parts));
  }
  return walkChainPart(store, org, keys, { start }, head);
}

/** Verifies and records the outcome, which GET /v1/chain shows as `last_verification`. */
export async function verifyAndRecord(
  store: AuditStore,
  org: string,
  keys: KeyRing,
  now: () => Date,
  options: VerifyOptions = DEFAULT_VERIFY_OPTIONS,
): Promise<StoredVerification> {
  const report = await verifyOrgChain(store, org, keys, options);
  const stored: StoredVerification = { ...report, verified_at: now().toISOString() };
  await store.verifications.save(org, stored);
  return stored;
}
