import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  checkpointMessage,
  checkpointSignatureValid,
  signCheckpoint,
} from '../../src/integrity/checkpoint.js';
import {
  generateSigningKey,
  isSealed,
  jwkThumbprint,
  KeyRing,
  openPrivateKey,
  SigningKeyLocked,
  sealPrivateKey,
} from '../../src/integrity/ed25519-keys.js';

const unsigned = {
  org: 'org_acme',
  seq: 2000,
  hash: 'a'.repeat(64),
  from_seq: 1001,
  tree_root: 'b'.repeat(64),
  signed_at: '2026-11-21T10:00:00.000Z',
  key_id: 'kid-1',
};

describe('signing keys', () => {
  it('names a key by its RFC 7638 thumbprint (RFC 8037 appendix A.3 vector)', () => {
    expect(jwkThumbprint('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo')).toBe(
      'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
    );
    const key = generateSigningKey();
    expect(key.kid).toBe(jwkThumbprint(key.publicKey));
  });

  it('seals the private key with TRAILMARK_SECRET and opens it only with the same secret and kid', () => {
    const key = generateSigningKey();
    const sealed = sealPrivateKey(key.privateKey, key.kid, 'correct horse battery staple');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain(
      key.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64url'),
    );
    const opened = openPrivateKey(sealed, key.kid, 'correct horse battery staple');
    const cp = signCheckpoint({ ...unsigned, key_id: key.kid }, opened);
    expect(checkpointSignatureValid(cp, new KeyRing().add(key.kid, key.publicKey))).toBe(true);
    expect(() => openPrivateKey(sealed, key.kid, 'wrong secret')).toThrow(SigningKeyLocked);
    expect(() => openPrivateKey(sealed, key.kid, undefined)).toThrow(/TRAILMARK_SECRET is not set/);
    expect(() => openPrivateKey(sealed, 'another-kid', 'correct horse battery staple')).toThrow(
      SigningKeyLocked,
    );
  });

  it('stores the key in clear PKCS#8 only when there is no secret', () => {
    const key = generateSigningKey();
    const stored = sealPrivateKey(key.privateKey, key.kid, undefined);
    expect(isSealed(stored)).toBe(false);
    expect(stored.startsWith('pkcs8.')).toBe(true);
    expect(openPrivateKey(stored, key.kid, undefined).asymmetricKeyType).toBe('ed25519');
  });
});

describe('checkpoint signatures', () => {
  it('signs exactly the documented bytes', () => {
    expect(checkpointMessage(unsigned).toString('utf8')).toBe(
      'trailmark-checkpoint/v1\n' +
        'org org_acme\n' +
        'seq 2000\n' +
        `hash ${'a'.repeat(64)}\n` +
        'from_seq 1001\n' +
        `tree_root ${'b'.repeat(64)}\n` +
        'signed_at 2026-11-21T10:00:00.000Z\n' +
        'key_id kid-1\n',
    );
  });

  it('fails when any signed field changes, or with another key', () => {
    const key = generateSigningKey();
    const ring = new KeyRing().add(key.kid, key.publicKey);
    const cp = signCheckpoint({ ...unsigned, key_id: key.kid }, key.privateKey);
    expect(checkpointSignatureValid(cp, ring)).toBe(true);
    const changes: Array<Partial<Checkpoint>> = [
      { org: 'org_other' },
      { seq: 2001 },
      { hash: 'c'.repeat(64) },
      { from_seq: 1000 },
      { tree_root: 'c'.repeat(64) },
      { signed_at: '2026-11-21T10:00:00.001Z' },
      { signature: cp.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
    ];
    for (const change of changes) expect(checkpointSignatureValid({ ...cp, ...change }, ring)).toBe(false);
    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    expect(checkpointSignatureValid(cp, new KeyRing().add(key.kid, other.x!))).toBe(false);
    expect(checkpointSignatureValid(cp, new KeyRing())).toBe(false);
  });

  it('refuses fields with whitespace, which would make the message ambiguous', () => {
    expect(() => checkpointMessage({ ...unsigned, org: 'org acme' })).toThrow(/whitespace/);
  });
});
