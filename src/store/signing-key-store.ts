/**
 * The deployment's Ed25519 signing keys, which sign every org's checkpoints: one active, the
 * rest retired and still published, so that checkpoints they signed keep verifying.
 */

export interface SigningKeyRecord {
  /** The kid: RFC 7638 thumbprint of the public key. */
  id: string;
  /** base64url raw Ed25519 public key (JWK `x`). */
  public_key: string;
  /** Sealed private key (see integrity/signing-keys.ts). */
  private_key: string;
  status: 'active' | 'retired';
  created_at: string;
  retired_at: string | null;
}

export interface SigningKeyStore {
  /** Every key, oldest first. */
  list(): Promise<SigningKeyRecord[]>;
  /**
   * Stores a new key. `first`: only when no key is active (two processes starting at once agree
   * on one; false when another won). `rotate`: the active key is retired in the same transaction.
   */
  add(key: Omit<SigningKeyRecord, 'retired_at'>, mode: 'first' | 'rotate'): Promise<boolean>;
  /** Replaces how a private key is stored (sealing it once TRAILMARK_SECRET is set). */
  reseal(id: string, privateKey: string): Promise<void>;
}
