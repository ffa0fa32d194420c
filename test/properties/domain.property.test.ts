import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTION_PATTERN } from '../../src/contracts/event-schema.js';
import { EVENT_FILTERS } from '../../src/contracts/filters.js';
import { sha256Hex } from '../../src/domain/chain.js';
import { AppError } from '../../src/domain/errors.js';
import { canonicalJson } from '../../src/domain/jcs.js';
import { NO_ENRICHMENT, prepareEvent } from '../../src/domain/prepare-event.js';
import { decodeCursor, encodeCursor, MAX_LIMIT, parseEventQuery } from '../../src/domain/query.js';
import { parseIngestBody } from '../../src/domain/validate.js';
import { parseJsonBody } from '../../src/http/json-body.js';
import {
  anyText,
  runs,
  storableJson,
  storableText,
  validEvent,
  writtenAsUnsafeInteger,
} from './arbitraries.js';

/**
 * Properties of the input boundary (issue 14): whatever arrives, the answer is a value or a 4xx
 * naming a field, never an unexpected error; what is accepted is what was sent; canonical text
 * round-trips.
 */

/** Passes for a value, or for a 4xx AppError with at least a detail; anything else fails. */
function valueOrRefusal<T>(run: () => T): T | AppError {
  try {
    return run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const status = (error as AppError).status;
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    for (const issue of (error as AppError).errors ?? []) expect(issue.path).toMatch(/^\//);
    return error as AppError;
  }
}

/** What the body parser must refuse in a value JSON.stringify wrote. */
function mustRefuse(value: unknown, parentKey?: string): boolean {
  if (typeof value === 'string') return !value.isWellFormed();
  if (typeof value === 'number') return writtenAsUnsafeInteger(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => mustRefuse(v));
  return Object.entries(value).some(
    ([k, v]) =>
      k === '__proto__' ||
      (k === 'prototype' && parentKey === 'constructor') ||
      !k.isWellFormed() ||
      mustRefuse(v, k),
  );
}

const anyJson = fc.jsonValue({ maxDepth: 4 });
const hostileJson = fc.oneof(
  anyJson,
  fc.dictionary(fc.oneof(anyText, fc.constantFrom('__proto__', 'constructor', 'prototype')), anyJson, {
    maxKeys: 4,
  }),
);

describe('the JSON body parser', () => {
  it('accepts exactly what it can store unchanged, and returns it unchanged', () => {
    fc.assert(
      fc.property(hostileJson, (value) => {
        const text = JSON.stringify(value);
        const parsed = valueOrRefusal(() => parseJsonBody(Buffer.from(text, 'utf8')));
        expect(parsed instanceof AppError, text).toBe(mustRefuse(value));
        if (!(parsed instanceof AppError)) expect(parsed).toEqual(JSON.parse(text));
      }),
      runs(400),
    );
  });

  it('answers any bytes with a value or a 400 naming a field', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.tuple(anyJson, fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.nat()).map(([value, junk, at]) => {
        const text = Buffer.from(JSON.stringify(value) ?? 'null');
        const cut = at % (text.length + 1);
        return Buffer.concat([text.subarray(0, cut), junk, text.subarray(cut)]);
      }),
    );
    fc.assert(
      fc.property(bytes, (body) => {
        const parsed = valueOrRefusal(() => parseJsonBody(Buffer.from(body)));
        if (parsed instanceof AppError) expect(parsed.status).toBe(400);
      }),
      runs(400),
    );
  });

  it('keeps integer tokens exactly or refuses them', () => {
    const digits = fc.stringMatching(/^-?[1-9][0-9]{0,24}$/);
    fc.assert(
      fc.property(digits, (token) => {
        const parsed = valueOrRefusal(() => parseJsonBody(Buffer.from(`{"n":${token}}`)));
        if (parsed instanceof AppError) expect(parsed.errors?.[0]?.path).toBe('/n');
        else expect(BigInt((parsed as { n: number }).n)).toBe(BigInt(token));
      }),
      runs(300),
    );
  });

  it('accepts every decimal of at most 15 significant digits but integers beyond 2^53, and its canonical form', () => {
    const decimal = fc
      .tuple(fc.stringMatching(/^[1-9][0-9]{0,14}$/), fc.integer({ min: -300, max: 290 }))
      .map(([m, e]) => `${m}e${e}`);
    fc.assert(
      fc.property(decimal, (token) => {
        const parsed = valueOrRefusal(() => parseJsonBody(Buffer.from(`[${token}]`)));
        expect(parsed instanceof AppError).toBe(writtenAsUnsafeInteger(Number(token)));
        if (parsed instanceof AppError) return;
        expect((parsed as number[])[0]).toBe(Number(token));
        expect(parseJsonBody(Buffer.from(`[${String((parsed as number[])[0])}]`))).toEqual(parsed);
      }),
      runs(300),
    );
  });
});

describe('the event validator', () => {
  it('answers any body with events or a 4xx naming a field', () => {
    const bodies = fc.oneof(
      hostileJson,
      validEvent.map((e) => ({ ...e, ...{ extra: 1 } })),
      fc.record({ events: fc.array(fc.oneof(validEvent, anyJson), { maxLength: 4 }) }),
    );
    fc.assert(
      fc.property(bodies, (body) => {
        const events = valueOrRefusal(() => parseIngestBody(body));
        if (events instanceof AppError) return;
        for (const event of events) {
          expect(event.action).toMatch(new RegExp(ACTION_PATTERN));
          expect(['user', 'api_key', 'service', 'system']).toContain(event.actor.type);
          expect(typeof event.actor.id).toBe('string');
        }
      }),
      runs(300),
    );
  });

  it('accepts every valid event and batch as it was sent', () => {
    fc.assert(
      fc.property(fc.array(validEvent, { minLength: 1, maxLength: 4 }), (events) => {
        const sent = structuredClone(events);
        expect(parseIngestBody({ events })).toEqual(sent);
        expect(parseIngestBody(events[0])).toEqual([sent[0]]);
      }),
      runs(200),
    );
  });
});

/** Reverses the order of an object's members at every depth, as another client might write them. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversed(v)]),
  );
}

describe('the input hash', () => {
  const withEverything = fc.record(
    {
      event: validEvent,
      id: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/),
      occurredAt: fc.option(
        fc.constantFrom(
          '2026-01-02T03:04:05Z',
          '2026-01-02T03:04:05.000+00:00',
          '2026-01-02T04:04:05.5+01:00',
        ),
      ),
      context: fc.option(
        fc.record(
          {
            ip: fc.constantFrom('203.0.113.9', '2001:DB8::A'),
            user_agent: storableText(1, 30),
            auth_type: fc.constantFrom('session', 'api_key'),
          },
          { requiredKeys: [] },
        ),
      ),
      request: fc.option(
        fc.record(
          {
            method: fc.constantFrom('GET', 'POST'),
            path: fc.constant('/v1/things'),
            status_code: fc.integer({ min: 100, max: 599 }),
            duration_ms: fc.integer({ min: 0, max: 5000 }),
            body: storableJson,
            query: fc.dictionary(
              storableText(1, 8).filter((k) => k !== '__proto__'),
              storableJson,
              { maxKeys: 3 },
            ),
            headers: fc.dictionary(fc.stringMatching(/^[a-z-]{1,12}$/), storableText(0, 12), { maxKeys: 3 }),
          },
          { requiredKeys: ['method', 'path', 'status_code'] },
        ),
      ),
      org: fc.option(fc.constant('org_other')),
    },
    { requiredKeys: ['event', 'id'] },
  );

  // Hashes stored by earlier releases are compared with those of retries: the definition holds.
  it('is the SHA-256 of the input as sent, canonical, without org, its time normalised, whatever its member order', () => {
    fc.assert(
      fc.property(withEverything, ({ event, id, occurredAt, context, request, org }) => {
        const input: Record<string, unknown> = { ...event, id };
        if (occurredAt) input.occurred_at = occurredAt;
        if (context) input.context = context;
        if (request) input.request = request;
        if (org) input.org = org;
        const [parsed] = parseIngestBody(reversed(input), Date.parse('2026-06-01T00:00:00Z'));
        const { org: _org, ...content } = structuredClone(input);
        if (occurredAt) content.occurred_at = new Date(occurredAt).toISOString();
        const expected = sha256Hex(canonicalize(content)!);
        const prepared = prepareEvent(parsed!, 'org_1', new Date('2026-06-01T00:00:00Z'), NO_ENRICHMENT);
        expect(prepared.input_hash).toBe(expected);
      }),
      runs(300),
    );
  });
});

describe('the filter parser', () => {
  const params = [...EVENT_FILTERS.map((f) => f.param), 'limit', 'cursor'];
  const values = fc.oneof(
    anyText,
    fc.constantFrom(
      '2026-01-31',
      '2026-01-31T09:00:00Z',
      '2026-02-30',
      '0000-01-01',
      '9999-12-31',
      '100',
      '0',
    ),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  );

  it('answers any query with a bounded query or a 400 naming a query parameter', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...params), values, { maxKeys: 6 }), (query) => {
        const parsed = valueOrRefusal(() => parseEventQuery(query, Date.UTC(2026, 11, 6)));
        if (parsed instanceof AppError) {
          expect(parsed.status).toBe(400);
          for (const issue of parsed.errors ?? []) expect(issue.path).toMatch(/^\/query\//);
          return;
        }
        expect(parsed.from).toBeLessThanOrEqual(parsed.to);
        expect(parsed.limit).toBeGreaterThanOrEqual(1);
        expect(parsed.limit).toBeLessThanOrEqual(MAX_LIMIT);
      }),
      runs(400),
    );
  });
});

describe('the cursor decoder', () => {
  const cursor = fc.record({
    occurredAt: fc.integer({ min: -8.64e15, max: 8.64e15 }),
    seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  });

  it('decodes every cursor it encodes', () => {
    fc.assert(
      fc.property(cursor, (c) => {
        expect(decodeCursor(encodeCursor(c))).toEqual(c);
      }),
      runs(300),
    );
  });

  it('never throws, and decodes only positions a stored event can have', () => {
    const texts = fc.oneof(
      anyText,
      fc.base64String({ maxLength: 40 }),
      fc
        .tuple(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }), fc.bigInt({ min: -5n, max: 10n ** 17n }))
        .map(([at, seq]) => Buffer.from(`${at}.${seq}`).toString('base64url')),
    );
    fc.assert(
      fc.property(texts, (text) => {
        const decoded = decodeCursor(text);
        if (!decoded) return;
        expect(Math.abs(decoded.occurredAt)).toBeLessThanOrEqual(8.64e15);
        expect(Number.isSafeInteger(decoded.seq) && decoded.seq >= 0).toBe(true);
        expect(decodeCursor(encodeCursor(decoded))).toEqual(decoded);
      }),
      runs(400),
    );
  });
});

describe('canonical JSON (RFC 8785)', () => {
  it('matches an independent implementation and round-trips', () => {
    fc.assert(
      fc.property(storableJson, (value) => {
        const text = canonicalJson(value);
        expect(text).toBe(canonicalize(value));
        expect(JSON.parse(text)).toEqual(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      runs(400),
    );
  });
});
