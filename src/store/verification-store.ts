import type { VerifyReport } from '../integrity/chain-verifier.js';

/** The outcome of an org's latest chain verification, which GET /v1/chain shows. */
export interface StoredVerification extends VerifyReport {
  verified_at: string;
}

export interface VerificationStore {
  /** Replaces the org's stored outcome. */
  save(org: string, verification: StoredVerification): Promise<void>;
  last(org: string): Promise<StoredVerification | undefined>;
}
