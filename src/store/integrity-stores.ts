import type { IntegrityStores } from './store.js';

/**
 * What both backends extend: the integrity stores of the `AuditStore` (store.ts), handed out from
 * the set `integritySql` builds over the backend's own connection, so that neither backend lists
 * them again.
 */
export abstract class ServesIntegrityStores implements IntegrityStores {
  /** Set by the backend's constructor: `integritySql` over its connection. */
  protected abstract readonly integrityStores: IntegrityStores;

  get signingKeys() {
    return this.integrityStores.signingKeys;
  }
  get checkpoints() {
    return this.integrityStores.checkpoints;
  }
  get chain() {
    return this.integrityStores.chain;
  }
  get verifications() {
    return this.integrityStores.verifications;
  }
  get leases() {
    return this.integrityStores.leases;
  }
  get retention() {
    return this.integrityStores.retention;
  }
}
