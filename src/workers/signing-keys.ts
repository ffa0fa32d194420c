import type { KeyObject } from 'node:crypto';
import {
  generateSigningKey,
  isSealed,
  KeyRing,
  openPrivateKey,
  type PublicJwk,
  publicJwk,
  sealPrivateKey,
} from '../integrity/ed25519-keys.js';
import type { SigningKeyRecord } from '../store/signing-key-store.js';
import type { AuditStore } from '../store/store.js';

export interface Signer {
  kid: string;
  privateKey: KeyObject;
}

export type PublishedKey = PublicJwk & {
  status: SigningKeyRecord['status'];
  created_at: string;
  retired_at: string | null;
};

/**
 * The deployment's checkpoint signing keys: one active, the retired ones kept so old
 * checkpoints still verify. Private keys are opened once per key id and kept in memory.
 */
export class SigningKeys {
  private opened: Signer | undefined;

  constructor(
    private readonly store: AuditStore,
    private readonly secret: string | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * First start: generate the key (several processes starting at once agree on one). Once
   * TRAILMARK_SECRET is set, keys stored without it are sealed with it. Answers whether the
   * private keys are stored unencrypted (the caller warns).
   */
  async ensure(): Promise<{ created: boolean; unencrypted: boolean }> {
    let keys = await this.store.signingKeys.list();
    let created = false;
    if (!keys.some((k) => k.status === 'active')) {
      created = await this.add('first');
      keys = await this.store.signingKeys.list();
    }
    if (this.secret) {
      for (const key of keys) {
        if (isSealed(key.private_key)) continue;
        const opened = openPrivateKey(key.private_key, key.id, undefined);
        await this.store.signingKeys.reseal(key.id, sealPrivateKey(opened, key.id, this.secret));
      }
    } else {
      // Fail now, not at the first checkpoint, when keys are sealed and the secret is missing.
      const active = keys.find((k) => k.status === 'active');
      if (active) openPrivateKey(active.private_key, active.id, undefined);
    }
    return { created, unencrypted: !this.secret };
  }

  private async add(mode: 'first' | 'rotate'): Promise<boolean> {
    const key = generateSigningKey();
    return this.store.signingKeys.add(
      {
        id: key.kid,
        public_key: key.publicKey,
        private_key: sealPrivateKey(key.privateKey, key.kid, this.secret),
        status: 'active',
        created_at: this.now().toISOString(),
      },
      mode,
    );
  }

  /** A new active key; the previous one is retired but stays published. */
  async rotate(): Promise<SigningKeyRecord> {
    await this.add('rotate');
    this.opened = undefined;
    const active = (await this.store.signingKeys.list()).find((k) => k.status === 'active');
    if (!active) throw new Error('rotation left no active signing key');
    return active;
  }

  /** The key that signs now; a rotation by another process is picked up at the next call. */
  async signer(): Promise<Signer> {
    const active = (await this.store.signingKeys.list()).find((k) => k.status === 'active');
    if (!active) throw new Error('no active signing key; the server creates one at start');
    if (this.opened?.kid !== active.id) {
      this.opened = {
        kid: active.id,
        privateKey: openPrivateKey(active.private_key, active.id, this.secret),
      };
    }
    return this.opened;
  }

  async published(): Promise<PublishedKey[]> {
    const keys = await this.store.signingKeys.list();
    return keys.map((k) => ({
      ...publicJwk(k.id, k.public_key),
      status: k.status,
      created_at: k.created_at,
      retired_at: k.retired_at,
    }));
  }

  async keyRing(): Promise<KeyRing> {
    const ring = new KeyRing();
    for (const key of await this.store.signingKeys.list()) ring.add(key.id, key.public_key);
    return ring;
  }
}
