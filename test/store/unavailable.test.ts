import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import {
  type AvailabilityChange,
  StoreAvailability,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
  unavailableReason,
} from '../../src/store/unavailable.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('unavailableReason', () => {
  it('names PostgreSQL outages by SQLSTATE: shutdown, crash, start-up, disk full, class 08', () => {
    for (const code of ['57P01', '57P02', '57P03', '53100', '08006', '08001', '08P01']) {
      expect(unavailableReason(withCode(code)), code).toContain(code);
    }
  });

  it('names SQLite codes that mean the disk or the file failed, extended codes too', () => {
    for (const code of [
      'SQLITE_FULL',
      'SQLITE_IOERR_WRITE',
      'SQLITE_IOERR_FSYNC',
      'SQLITE_BUSY',
      'SQLITE_CANTOPEN',
    ]) {
      expect(unavailableReason(withCode(code)), code).toContain(code);
    }
  });

  it('names lost and refused connections, and pg-pool connect timeouts', () => {
    expect(unavailableReason(withCode('ECONNREFUSED'))).toContain('refused');
    expect(unavailableReason(withCode('ENOSPC'))).toContain('full');
    expect(unavailableReason(new Error('Connection terminated unexpectedly'))).toBeDefined();
    expect(unavailableReason(new Error('timeout exceeded when trying to connect'))).toBeDefined();
    expect(
      unavailableReason(new Error('Client has encountered a connection error and is not queryable')),
    ).toBeDefined();
  });

  it('follows causes', () => {
    expect(unavailableReason(new Error('wrapped', { cause: withCode('57P01') }))).toContain('57P01');
  });

  it('leaves every other error alone: constraint violations, SQL errors, corruption, plain bugs', () => {
    for (const error of [
      withCode('23505'),
      withCode('42P01'),
      withCode('SQLITE_CONSTRAINT_UNIQUE'),
      withCode('SQLITE_CORRUPT'),
      withCode('SQLITE_ERROR', 'cannot rollback - no transaction is active'),
      new TypeError('x is undefined'),
      'a string',
      undefined,
    ]) {
      expect(unavailableReason(error)).toBeUndefined();
    }
  });
});

describe('StoreAvailability', () => {
  function tracker() {
    let now = 0;
    const changes: AvailabilityChange[] = [];
    const availability = new StoreAvailability((c) => changes.push(c), { settleMs: 2000, now: () => now });
    return { availability, changes, advance: (ms: number) => (now += ms) };
  }

  it('answers an outage with a 503 that asks to retry, and reports the change once', () => {
    const { availability, changes } = tracker();
    const refusal = availability.refusal(withCode('SQLITE_FULL'));
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal!.status).toBe(503);
    expect(refusal!.retryAfter).toBe(UNAVAILABLE_RETRY_AFTER_SECONDS);
    availability.refusal(withCode('SQLITE_FULL'));
    availability.refusal(withCode('ECONNREFUSED'));
    expect(changes).toEqual([{ available: false, reason: 'the disk is full (SQLITE_FULL)' }]);
    expect(availability.unavailable).toBe('the disk is full (SQLITE_FULL)');
  });

  it('does not take other errors for an outage', () => {
    const { availability, changes } = tracker();
    expect(availability.refusal(new TypeError('bug'))).toBeUndefined();
    expect(availability.unavailable).toBeUndefined();
    expect(changes).toEqual([]);
  });

  it('is available again once a write commits and none has failed for the settling time', () => {
    const { availability, changes, advance } = tracker();
    availability.refusal(withCode('57P01'));
    advance(500);
    availability.wrote(); // a small commit that fit while others still fail
    advance(500);
    availability.refusal(withCode('57P01'));
    advance(1999);
    availability.wrote();
    expect(availability.unavailable).toBeDefined();
    advance(1);
    availability.wrote();
    expect(availability.unavailable).toBeUndefined();
    expect(changes.map((c) => c.available)).toEqual([false, true]);
  });
});
