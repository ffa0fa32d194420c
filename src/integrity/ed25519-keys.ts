import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  scryptSync,
} from 'node:crypto';

/**
 * Ed25519 checkpoint signing keys. The public half is published as a JWK (RFC 8037) whose `kid`
 * is its RFC 7638 thumbprint, so anyone can recompute the id from the key itself. The private
 * half is stored sealed with AES-256-GCM under a key derived from TRAILMARK_SECRET by scrypt,
 * or, when no secret is configured, as plain PKCS#8 (the server warns about it at start).
 */

export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  /** base64url of the 32-byte public key. */
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface GeneratedKey {
  kid: string;
  /** base64url raw public key (the JWK `x`). */
  publicKey: string;
  privateKey: KeyObject;
}

export function generateSigningKey(): GeneratedKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const x = rawPublicKey(publicKey);
  return { kid: jwkThumbprint(x), publicKey: x, privateKey };
}

function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new Error('not an Ed25519 key');
  }
  return jwk.x;
}

/** RFC 7638: base64url(SHA-256 of the required members, lexicographic, no whitespace). */
export function jwkThumbprint(x: string): string {
  return createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest('base64url');
}

export function publicJwk(kid: string, x: string): PublicJwk {
  return { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' };
}

export function publicKeyFromX(x: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

const SEALED = 'aes-256-gcm+scrypt';
const PLAIN = 'pkcs8';
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export function isSealed(stored: string): boolean {
  return stored.startsWith(`${SEALED}.`);
}

/**
 * `aes-256-gcm+scrypt.<salt>.<iv>.<ciphertext>.<tag>` (base64url parts; the kid is the
 * additional authenticated data, so a sealed key cannot be moved to another key's row), or
 * `pkcs8.<der>` when there is no secret.
 */
export function sealPrivateKey(privateKey: KeyObject, kid: string, secret: string | undefined): string {
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  if (!secret) return `${PLAIN}.${der.toString('base64url')}`;
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = scryptSync(secret, salt, 32, SCRYPT);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(kid));
  const ciphertext = Buffer.concat([cipher.update(der), cipher.final()]);
  return [SEALED, salt, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export class SigningKeyLocked extends Error {
  constructor(kid: string, why: string) {
    super(`signing key ${kid} cannot be opened: ${why}`);
    this.name = 'SigningKeyLocked';
  }
}

export function openPrivateKey(stored: string, kid: string, secret: string | undefined): KeyObject {
  const [kind, ...parts] = stored.split('.');
  if (kind === PLAIN && parts.length === 1) {
    return createPrivateKey({ key: Buffer.from(parts[0]!, 'base64url'), format: 'der', type: 'pkcs8' });
  }
  if (kind !== SEALED || parts.length !== 4) throw new SigningKeyLocked(kid, 'unknown storage format');
  if (!secret) throw new SigningKeyLocked(kid, 'it is encrypted and TRAILMARK_SECRET is not set');
  const [salt, iv, ciphertext, tag] = parts.map((p) => Buffer.from(p, 'base64url')) as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  const decipher = createDecipheriv('aes-256-gcm', scryptSync(secret, salt, 32, SCRYPT), iv);
  decipher.setAAD(Buffer.from(kid));
  decipher.setAuthTag(tag);
  let der: Buffer;
  try {
    der = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new SigningKeyLocked(kid, 'TRAILMARK_SECRET is not the secret it was encrypted with');
  }
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** Public keys by kid: what a verifier trusts. */
export class KeyRing {
  private readonly keys = new Map<string, { x: string; key: KeyObject }>();

  add(kid: string, x: string): this {
    this.keys.set(kid, { x, key: publicKeyFromX(x) });
    return this;
  }

  get(kid: string): KeyObject | undefined {
    return this.keys.get(kid)?.key;
  }

  /** [kid, x] pairs: the ring in a form that crosses a thread boundary. */
  entries(): Array<[string, string]> {
    return [...this.keys].map(([kid, { x }]) => [kid, x]);
  }

  static fromEntries(entries: ReadonlyArray<readonly [string, string]>): KeyRing {
    const ring = new KeyRing();
    for (const [kid, x] of entries) ring.add(kid, x);
    return ring;
  }

  get size(): number {
    return this.keys.size;
  }

  static fromJwks(
    keys: ReadonlyArray<{ kid?: unknown; x?: unknown; kty?: unknown; crv?: unknown }>,
  ): KeyRing {
    const ring = new KeyRing();
    for (const key of keys) {
      if (key.kty !== 'OKP' || key.crv !== 'Ed25519' || typeof key.x !== 'string') continue;
      ring.add(typeof key.kid === 'string' ? key.kid : jwkThumbprint(key.x), key.x);
    }
    return ring;
  }
}
