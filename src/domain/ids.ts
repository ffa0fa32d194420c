import { randomBytes, randomFillSync } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

// Random bytes are drawn 4 KiB at a time: one system call per ~400 ids instead of one each.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function takeRandom(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return bytes;
}

/**
 * Time-ordered ids (48-bit millisecond time + 80 random bits, Crockford base32, like ULID), so
 * the per-org id index grows at its right edge instead of taking random page writes.
 */
export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = takeRandom(10);
  let rand = '';
  // 80 bits as 16 five-bit groups, two bytes and a half at a time.
  for (let i = 0; i < 10; i += 5) {
    const hi = (bytes[i]! << 12) | (bytes[i + 1]! << 4) | (bytes[i + 2]! >> 4);
    const lo = ((bytes[i + 2]! & 15) << 16) | (bytes[i + 3]! << 8) | bytes[i + 4]!;
    rand +=
      CROCKFORD[(hi >> 15) & 31]! +
      CROCKFORD[(hi >> 10) & 31]! +
      CROCKFORD[(hi >> 5) & 31]! +
      CROCKFORD[hi & 31]! +
      CROCKFORD[(lo >> 15) & 31]! +
      CROCKFORD[(lo >> 10) & 31]! +
      CROCKFORD[(lo >> 5) & 31]! +
      CROCKFORD[lo & 31]!;
  }
  return `${prefix}_${time}${rand}`;
}

/** A secret with a recognisable prefix: `tmk_` + 43 base64url characters (32 random bytes). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
