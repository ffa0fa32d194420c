import { describe, expect, it } from 'vitest';
import { type CommittedLink, RecentHashes } from '../../src/integrity/recent-hashes.js';

function links(from: number, to: number): CommittedLink[] {
  return Array.from({ length: to - from + 1 }, (_, i) => ({
    seq: from + i,
    hash: `h${from + i}`,
    duplicate: false,
  }));
}

function hashes(from: number, to: number): string[] {
  return links(from, to).map((link) => link.hash);
}

describe('RecentHashes', () => {
  it('answers a range held whole, across commits, and forgets it once taken', () => {
    const recent = new RecentHashes();
    recent.add('org_a', links(1, 600));
    recent.add('org_a', links(601, 1500));
    expect(recent.take('org_a', 1, 1000)).toEqual(hashes(1, 1000));
    expect(recent.take('org_a', 1, 1000)).toBeUndefined();
    expect(recent.take('org_a', 1001, 1500)).toEqual(hashes(1001, 1500));
    expect(recent.take('org_a', 1501, 1501)).toBeUndefined();
  });

  it('keeps orgs apart and skips duplicates, which took no seq', () => {
    const recent = new RecentHashes();
    recent.add('org_a', [...links(1, 3), { seq: 2, hash: 'h2', duplicate: true }, ...links(4, 5)]);
    recent.add('org_b', links(1, 2));
    expect(recent.take('org_b', 1, 2)).toEqual(hashes(1, 2));
    expect(recent.take('org_a', 1, 5)).toEqual(hashes(1, 5));
  });

  it('answers nothing for a range it does not hold whole: a gap, an earlier start, a later end', () => {
    const recent = new RecentHashes();
    recent.add('org_a', links(1, 10));
    // Seqs 11..20 were written by another path (or process): the next run starts at 21.
    recent.add('org_a', links(21, 30));
    expect(recent.take('org_a', 11, 25)).toBeUndefined();
    // Everything up to 25 was dropped by that take; 26..30 are still held.
    expect(recent.take('org_a', 26, 30)).toEqual(hashes(26, 30));

    recent.add('org_a', links(31, 40));
    expect(recent.take('org_a', 31, 45)).toBeUndefined();
    recent.add('org_a', links(41, 50));
    expect(recent.take('org_a', 46, 50)).toEqual(hashes(46, 50));
  });

  it('holds at most its capacity: past it, it drops everything and starts over', () => {
    const recent = new RecentHashes(100);
    recent.add('org_a', links(1, 60));
    recent.add('org_b', links(1, 40));
    recent.add('org_b', links(41, 50));
    expect(recent.take('org_a', 1, 60)).toBeUndefined();
    expect(recent.take('org_b', 1, 40)).toBeUndefined();
    expect(recent.take('org_b', 41, 50)).toEqual(hashes(41, 50));
    recent.add('org_a', links(61, 160));
    expect(recent.take('org_a', 61, 160)).toEqual(hashes(61, 160));
  });
});
