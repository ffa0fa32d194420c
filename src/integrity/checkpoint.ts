import { type KeyObject, sign, verify } from 'node:crypto';
import type { Checkpoint } from '../contracts/chain.js';
import type { KeyRing } from './ed25519-keys.js';

export type { Checkpoint } from '../contracts/chain.js';

export type UnsignedCheckpoint = Omit<Checkpoint, 'signature'>;

export const CHECKPOINT_HEADER = 'trailmark-checkpoint/v1';

/**
 * The exact bytes that are signed (docs/integrity.md): UTF-8, eight lines, each ending in "\n":
 *
 *   trailmark-checkpoint/v1
 *   org <org>
 *   seq <decimal>
 *   hash <64 lowercase hex>
 *   from_seq <decimal>
 *   tree_root <64 lowercase hex>
 *   signed_at <ISO 8601 UTC with milliseconds>
 *   key_id <kid>
 *
 * Fields never contain whitespace, which checkpointMessage() enforces.
 */
export function checkpointMessage(cp: UnsignedCheckpoint): Buffer {
  const fields: Array<[string, string]> = [
    ['org', cp.org],
    ['seq', String(cp.seq)],
    ['hash', cp.hash],
    ['from_seq', String(cp.from_seq)],
    ['tree_root', cp.tree_root],
    ['signed_at', cp.signed_at],
    ['key_id', cp.key_id],
  ];
  let text = `${CHECKPOINT_HEADER}\n`;
  for (const [name, value] of fields) {
    if (!value || /\s/.test(value))
      throw new Error(`checkpoint ${name} must be non-empty without whitespace`);
    text += `${name} ${value}\n`;
  }
  return Buffer.from(text, 'utf8');
}

export function signCheckpoint(cp: UnsignedCheckpoint, privateKey: KeyObject): Checkpoint {
  return { ...cp, signature: sign(null, checkpointMessage(cp), privateKey).toString('base64url') };
}

/** Shape and field checks, so a malformed record is reported, never thrown on. */
export function isCheckpointShaped(value: unknown): value is Checkpoint {
  if (!value || typeof value !== 'object') return false;
  const cp = value as Record<string, unknown>;
  return (
    typeof cp.org === 'string' &&
    Number.isSafeInteger(cp.seq) &&
    Number.isSafeInteger(cp.from_seq) &&
    (cp.from_seq as number) >= 1 &&
    (cp.from_seq as number) <= (cp.seq as number) &&
    typeof cp.hash === 'string' &&
    /^[0-9a-f]{64}$/.test(cp.hash) &&
    typeof cp.tree_root === 'string' &&
    /^[0-9a-f]{64}$/.test(cp.tree_root) &&
    typeof cp.signed_at === 'string' &&
    typeof cp.key_id === 'string' &&
    typeof cp.signature === 'string'
  );
}

export function checkpointSignatureValid(cp: Checkpoint, keys: KeyRing): boolean {
  const key = keys.get(cp.key_id);
  if (!key) return false;
  try {
    return verify(null, checkpointMessage(cp), key, Buffer.from(cp.signature, 'base64url'));
  } catch {
    return false;
  }
}
