import { createHash, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../domain/chain.js';
import { newSecret } from '../domain/ids.js';

/** Prefixes make a leaked secret recognisable (secret scanners) and tell credentials apart. */
export const SESSION_PREFIX = 'tms';
export const VIEWER_TOKEN_PREFIX = 'tmv';
export const INVITATION_PREFIX = 'tmi';
export const API_KEY_PREFIX = 'tmk';

/** A 256-bit random token with its prefix; the store only ever sees `hashToken` of it. */
export function newToken(prefix: string): string {
  return newSecret(prefix);
}

/** Tokens are 256-bit random, so a fast hash is enough to store them safely. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}

/** API keys are 256-bit random secrets too; the authenticator looks them up by this hash. */
export function hashApiKey(secret: string): string {
  return hashToken(secret);
}

/**
 * The CSRF token of a session, derived from its secret: only who holds the cookie can compute it,
 * the database (which holds a different hash) cannot, and nothing more needs storing.
 */
export function csrfTokenFor(sessionSecret: string): string {
  return createHash('sha256').update('trailmark csrf\n').update(sessionSecret).digest('base64url');
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
