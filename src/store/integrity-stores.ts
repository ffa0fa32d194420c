import type { ChainStore } from './chain-store.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { LeaseStore } from './lease-store.js';
import type { RetentionStore } from './retention-store.js';
import type { SigningKeyStore } from './signing-key-store.js';
import type { VerificationStore } from './verification-store.js';

/**
 * The integrity side of the `AuditStore` (store.ts), a small store per concern, each defined in
 * its own file. Both backends extend this class and fill it once, in their constructor, with the
 * set `integritySql` builds over their own connection, so that neither lists the stores again.
 */
export abstract class IntegrityStores {
  readonly signingKeys!: SigningKeyStore;
  readonly checkpoints!: CheckpointStore;
  readonly chain!: ChainStore;
  readonly verifications!: VerificationStore;
  /** Named, expiring leases: work several processes could do that runs in one at a time. */
  readonly leases!: LeaseStore;
  readonly retention!: RetentionStore;
}
