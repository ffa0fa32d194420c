const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

// Web Crypto exists in Node 20 and every edge runtime. Random bytes are drawn 4 KiB at a time.
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

function randomByte(): number {
  if (poolOffset === pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

const CODES = Array.from(CROCKFORD, (c) => c.charCodeAt(0));
const randomCodes: number[] = new Array(16).fill(0);

let cachedMs = -1;
let cachedTime = '';

/** The 10 time characters, computed once per millisecond: many ids share one. */
function timePart(now: number): string {
  if (now === cachedMs) return cachedTime;
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  cachedMs = now;
  cachedTime = time;
  return time;
}

let isoMs = -1;
let iso = '';

/** `now` as an ISO 8601 string, formatted once per millisecond: many events share one. */
export function isoTime(now: number): string {
  if (now !== isoMs) {
    iso = new Date(now).toISOString();
    isoMs = now;
  }
  return iso;
}

/**
 * An event id in the server's own form: `evt_` + 48-bit millisecond time + 80 random bits in
 * Crockford base32. Time-ordered ids append at the right edge of the server's per-org id index;
 * 80 random bits make a collision between two clients negligible.
 */
export function newEventId(now = Date.now()): string {
  for (let i = 0; i < 16; i++) randomCodes[i] = CODES[randomByte() & 31]!;
  // One string for the 16 random characters: adding them one at a time made a string each.
  return `evt_${timePart(now)}${String.fromCharCode(...randomCodes)}`;
}
