import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hash, verify } from '@node-rs/argon2';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../contracts/passwords.js';
import type { FieldIssue } from '../domain/errors.js';

/**
 * Passwords: argon2id with the library's defaults (19 MiB, 2 passes, 1 lane: the OWASP
 * baseline), at least MIN_PASSWORD_LENGTH characters, and not one of the most common passwords.
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * A hash of a random password, made with the same parameters as real ones. Signing in with an
 * unknown email verifies against it, so that it costs what a wrong password costs.
 */
export function dummyPasswordHash(): Promise<string> {
  return hash(randomBytes(24).toString('base64url'));
}

/** 24 characters from 144 random bits: for the first owner and `trailmark user create`. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

let common: Set<string> | undefined;

/** The list shipped in assets/ (two levels up from both src/identity and dist/identity). */
function commonPasswords(): Set<string> {
  if (!common) {
    const text = readFileSync(new URL('../../assets/common-passwords.txt', import.meta.url), 'utf8');
    common = new Set(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('#')),
    );
  }
  return common;
}

const LEET: Record<string, string> = {
  '@': 'a',
  '4': 'a',
  '3': 'e',
  '1': 'i',
  '!': 'i',
  '0': 'o',
  $: 's',
  '5': 's',
};

/**
 * The forms of a password that are checked against the list: as typed (lowercased), with
 * digits and symbols stripped from both ends (`Password123!`), and with common letter
 * substitutions undone (`p@ssw0rd`).
 */
function variants(password: string): string[] {
  const lower = password.toLowerCase();
  const stripped = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  const unleet = lower.replace(/[@43!10$5]/g, (c) => LEET[c] ?? c);
  return [lower, stripped, unleet, unleet.replace(/^[^a-z]+|[^a-z]+$/g, '')].filter((v) => v.length >= 4);
}

/** A password that is one short unit repeated (`aaaaaaaaaaaa`, `abcabcabcabc`). */
function isRepetitive(password: string): boolean {
  for (let unit = 1; unit <= 4; unit++) {
    if (password.length % unit === 0 && password.slice(0, unit).repeat(password.length / unit) === password) {
      return true;
    }
  }
  return false;
}

/** The problems with a new password, as field issues at `path`; empty when it is acceptable. */
export function passwordIssues(password: string, path: string, email?: string): FieldIssue[] {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return [{ path, message: `must be at least ${MIN_PASSWORD_LENGTH} characters` }];
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    return [{ path, message: `must be at most ${MAX_PASSWORD_LENGTH} characters` }];
  }
  const list = commonPasswords();
  if (isRepetitive(password) || variants(password).some((v) => list.has(v))) {
    return [{ path, message: 'is too common: choose one that is not on lists of leaked passwords' }];
  }
  const local = email?.toLowerCase().split('@')[0] ?? '';
  if (local.length >= 4 && password.toLowerCase().includes(local)) {
    return [{ path, message: 'must not contain the name of your email address' }];
  }
  return [];
}
