import { describe, expect, it } from 'vitest';
import { eventHash } from '../../src/domain/chain.js';
import { canonicalJson } from '../../src/domain/jcs.js';
import { checkedEventBytes, eventLine, splitEventLine } from '../../src/integrity/proof-records.js';

const prev = 'a'.repeat(64);
const body = {
  action: 'user.login',
  actor: { id: 'u_1', type: 'user' },
  metadata: { seq: 99, note: 'é "q"' },
  seq: 7,
};
const hash = eventHash({ ...body, prev_hash: prev, hash: '' } as never);
const text = eventLine(hash, prev, canonicalJson(body)).trimEnd();

describe('event lines checked as bytes', () => {
  it('give the seq and hashes of a line that hashes right, and leave the line as it was', () => {
    const line = Buffer.from(text);
    expect(checkedEventBytes(line)).toEqual({ seq: 7, hash, prev_hash: prev });
    expect(line.toString()).toBe(text);
    const split = splitEventLine(text)!;
    expect(split.hash).toBe(hash);
  });

  it('give nothing for an edited byte, an edited hash, another layout or a record', () => {
    expect(checkedEventBytes(Buffer.from(text.replace('u_1', 'u_2')))).toBeUndefined();
    expect(checkedEventBytes(Buffer.from(text.replace(hash, 'b'.repeat(64))))).toBeUndefined();
    expect(
      checkedEventBytes(Buffer.from(JSON.stringify({ ...body, hash, prev_hash: prev }))),
    ).toBeUndefined();
    expect(checkedEventBytes(Buffer.from('{"trailmark":"end","events":1}'))).toBeUndefined();
    expect(checkedEventBytes(Buffer.from(''))).toBeUndefined();
  });

  it('read the top-level seq, not one inside metadata', () => {
    expect(checkedEventBytes(Buffer.from(text))?.seq).toBe(7);
  });
});
