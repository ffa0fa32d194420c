import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH, hashedBody } from '../../src/domain/chain.js';
import { AppError } from '../../src/domain/errors.js';
import type { EventInput, StoredEvent } from '../../src/domain/event.js';
import { canonicalJson } from '../../src/domain/jcs.js';
import type { EventFilter, EventQuery } from '../../src/domain/query.js';
import type { NewAlert } from '../../src/store/alert-store.js';
import { STREAM_CHUNK } from '../../src/store/paginate.js';
import type {
  AppendBatch,
  AppendedEvent,
  AppendOutcome,
  AuditStore,
  NewApiKey,
} from '../../src/store/store.js';
import { append, BASE, createOrg, pending, type StoreHarness, uid } from './contract-helpers.js';
import { runIntegrityContract } from './integrity-contract.js';

export type { StoreHarness };

export interface StoreContractOptions {
  name: string;
  newStore(): Promise<StoreHarness>;
}

/** Far enough around every event the suite writes (they all lie in 2025 and 2026). */
const WIDE: EventFilter = { from: Date.UTC(2000, 0, 1), to: Date.UTC(2100, 0, 1) };
const MINUTE = 60_000;

/** A deterministic pseudo-random sequence (mulberry32), so that failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What SPEC §4 says `q` searches, written out independently of the stores' searchText(). */
function searchable(e: StoredEvent): string[] {
  return [
    e.description,
    e.resource?.id,
    e.resource?.name,
    e.request?.path,
    e.actor.id,
    e.actor.email,
    e.actor.name,
    e.workspace,
  ].filter((s): s is string => s !== undefined);
}

/** The reference semantics of every filter (SPEC §4), in plain code. */
function matches(e: StoredEvent, f: EventFilter): boolean {
  const t = Date.parse(e.occurred_at);
  if (t < f.from || t > f.to) return false;
  if (f.actions || f.actionPrefixes) {
    const exact = f.actions?.includes(e.action) ?? false;
    const prefixed = f.actionPrefixes?.some((p) => e.action.startsWith(p)) ?? false;
    if (!exact && !prefixed) return false;
  }
  if (
    f.actor !== undefined &&
    e.actor.id !== f.actor &&
    e.actor.email?.toLowerCase() !== f.actor.toLowerCase()
  )
    return false;
  if (f.resourceType !== undefined && e.resource?.type !== f.resourceType) return false;
  if (f.resourceId !== undefined && e.resource?.id !== f.resourceId) return false;
  if (f.status !== undefined && e.status !== f.status) return false;
  if (f.workspace !== undefined && e.workspace !== f.workspace) return false;
  if (f.ip !== undefined && e.context?.ip !== f.ip) return false;
  if (f.kind !== undefined && (e.request ? 'request' : 'audit') !== f.kind) return false;
  if (f.q !== undefined) {
    const needle = f.q.toLowerCase();
    if (!searchable(e).some((s) => s.toLowerCase().includes(needle))) return false;
  }
  return true;
}

function newestFirst(a: StoredEvent, b: StoredEvent): number {
  return Date.parse(b.occurred_at) - Date.parse(a.occurred_at) || b.seq - a.seq;
}

/** Every page of a query, following the cursor; the ids in the order served. */
async function allPages(
  store: AuditStore,
  org: string,
  filter: EventFilter,
  limit: number,
): Promise<string[]> {
  const ids: string[] = [];
  let query: EventQuery = { ...filter, limit };
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await store.listEvents(org, query);
    expect(page.events.length).toBeLessThanOrEqual(limit);
    ids.push(...page.events.map((e) => e.id));
    if (!page.nextCursor) return ids;
    expect(page.events.length).toBe(limit);
    query = { ...filter, limit, cursor: page.nextCursor };
  }
  throw new Error('pagination did not end');
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Walks the org's chain from seq 1: gapless, linked, every hash recomputed from its body. */
async function verifyChain(store: AuditStore, org: string): Promise<StoredEvent[]> {
  const events = await collect(store.streamChain(org));
  let prev = GENESIS_HASH;
  events.forEach((e, i) => {
    expect(e.seq).toBe(i + 1);
    expect(e.org).toBe(org);
    expect(e.prev_hash).toBe(prev);
    expect(e.hash).toBe(chainHash(e.prev_hash, canonicalJson(hashedBody(e))));
    prev = e.hash;
  });
  const head = await store.chainHead(org);
  expect(head).toEqual({ seq: events.length, hash: prev });
  return events;
}

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

/**
 * The storage contract (src/store/store.ts), written once and run against every backend
 * (test/store/store.test.ts). Every test makes its own orgs, so they share one database.
 */
export function runStoreContract({ name, newStore }: StoreContractOptions): void {
  describe(`store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: AuditStore;

    beforeAll(async () => {
      harness = await newStore();
      store = harness.store;
    });
    afterAll(async () => {
      await harness?.close();
    });

    describe('orgs', () => {
      it('creates an org with the default retention and an empty chain', async () => {
        const id = uid('org');
        const created = await store.transaction((tx) => tx.createOrg({ id, name: 'Acme' }));
        expect(created).toMatchObject({
          id,
          name: 'Acme',
          retention_days: 90,
          request_retention_days: 30,
          legal_hold: false,
        });
        expect(Date.parse(created.created_at)).not.toBeNaN();
        expect(await store.getOrg(id)).toEqual(created);
        expect((await store.listOrgs()).map((o) => o.id)).toContain(id);
        expect(await store.chainHead(id)).toEqual({ seq: 0, hash: GENESIS_HASH });
      });

      it('refuses a second org with the same id and keeps the first', async () => {
        const id = await createOrg(store, 'First');
        await expectAppError(
          store.transaction((tx) => tx.createOrg({ id, name: 'Second' })),
          'conflict',
        );
        expect((await store.getOrg(id))?.name).toBe('First');
      });

      it('answers unknown orgs with nothing, and a not_found chain head', async () => {
        expect(await store.getOrg('org_missing')).toBeUndefined();
        await expectAppError(store.chainHead('org_missing'), 'not_found');
        expect(await store.getEvent('org_missing', 'evt_1')).toBeUndefined();
        expect(await store.listEvents('org_missing', { ...WIDE, limit: 10 })).toEqual({
          events: [],
          nextCursor: null,
        });
        expect(await store.listActions('org_missing', WIDE)).toEqual([]);
        expect(await collect(store.streamChain('org_missing'))).toEqual([]);
      });
    });

    describe('api keys', () => {
      function newKey(org: string | null, fields: Partial<NewApiKey> = {}): NewApiKey {
        return {
          id: uid('key'),
          org,
          name: 'CI',
          prefix: 'tmk_abcde',
          last4: 'wxyz',
          scopes: ['events:write', 'events:read'],
          key_hash: randomBytes(32).toString('hex'),
          created_at: new Date(BASE).toISOString(),
          created_by: null,
          expires_at: null,
          ...fields,
        };
      }

      it('stores a key and finds it by its hash', async () => {
        const org = await createOrg(store);
        const input = newKey(org, {
          expires_at: new Date(BASE + 86_400_000).toISOString(),
          created_by: 'key_x',
        });
        const created = await store.transaction((tx) => tx.createApiKey(input));
        const { status: _status, ...rest } = input;
        const expected = { ...rest, status: 'active', last_used_at: null, rate_limit_per_minute: null };
        expect(created).toEqual(expected);
        expect(await store.findApiKeyByHash(input.key_hash)).toEqual(expected);
        expect(await store.findApiKeyByHash(randomBytes(32).toString('hex'))).toBeUndefined();
      });

      it('keeps a disabled status and deployment-wide keys (no org)', async () => {
        const key = newKey(null, { status: 'disabled', scopes: ['admin'] });
        await store.transaction((tx) => tx.createApiKey(key));
        const found = await store.findApiKeyByHash(key.key_hash);
        expect(found).toMatchObject({ org: null, status: 'disabled', scopes: ['admin'] });
      });

      it('knows whether a deployment-wide key exists (fresh database)', async () => {
        const fresh = await newStore();
        try {
          expect(await fresh.store.hasDeploymentKey()).toBe(false);
          const org = await createOrg(fresh.store);
          await fresh.store.transaction((tx) => tx.createApiKey(newKey(org)));
          expect(await fresh.store.hasDeploymentKey()).toBe(false);
          await fresh.store.transaction((tx) => tx.createApiKey(newKey(null)));
          expect(await fresh.store.hasDeploymentKey()).toBe(true);
        } finally {
          await fresh.close();
        }
      });
    });

    describe('append and the chain', () => {
      it('numbers events gaplessly from 1, links and hashes them as SPEC §3 says', async () => {
        const org = await createOrg(store);
        const first = await append(store, org, [pending(org), pending(org), pending(org)]);
        expect(first.map((e) => e.seq)).toEqual([1, 2, 3]);
        const second = await append(store, org, [pending(org, { action: 'thing.undone' })]);
        expect(second[0]).toMatchObject({ seq: 4, duplicate: false });
        const events = await verifyChain(store, org);
        expect(events.map((e) => e.hash)).toEqual([...first, ...second].map((e) => e.hash));
        expect(events[0]!.prev_hash).toBe(GENESIS_HASH);
      });

      it('serves back exactly what it stored, with seq and both hashes', async () => {
        const org = await createOrg(store);
        const event = pending(org, {
          id: 'evt_client_1',
          action: 'template.created',
          actor: { type: 'user', id: 'u_1', name: 'Ada Lovelace', email: 'ada@example.com' },
          resource: { type: 'template', id: 'tpl_9', name: 'Invoice' },
          workspace: 'ws_1',
          status: 'failure',
          description: 'Ada created template Invoice — “quoted” ünïcödé 🎉',
          context: { ip: '203.0.113.7', user_agent: 'Mozilla/5.0', auth_type: 'session' },
          request: { method: 'POST', path: '/api/v1/templates', status_code: 201, duration_ms: 4.5 },
          metadata: { nested: { list: [1, 2.5, -0.001, 1e21, true, null, 'x'] }, 'key/with~chars': 'v' },
        });
        const [appended] = await append(store, org, [event]);
        const { input_hash: _h, client_id: _c, ...expected } = event;
        const stored = await store.getEvent(org, 'evt_client_1');
        expect(stored).toEqual({ ...expected, seq: 1, prev_hash: GENESIS_HASH, hash: appended!.hash });
        expect(stored!.hash).toBe(chainHash(GENESIS_HASH, canonicalJson(hashedBody(stored!))));
      });

      it('stores control characters and escape look-alikes verbatim, on both write paths', async () => {
        const org = await createOrg(store);
        const tricky = {
          workspace: '\\N',
          description: 'line one\nline two\r\n\ttabbed \\ back\\slash \\N \\t "quoted" \u0001\u007f',
          actor: { type: 'user' as const, id: 'tab\there', name: 'Name\\nNot a newline' },
          metadata: { raw: 'a\tb\nc\\d', '\\N': null },
        };
        // A large commit (a store may load those differently), a small one, and a transaction.
        await append(store, org, [
          pending(org, { id: 'evt_large', ...tricky }),
          ...Array.from({ length: 150 }, () => pending(org)),
        ]);
        await append(store, org, [pending(org, { id: 'evt_small', ...tricky })]);
        await store.transaction((tx) => tx.appendEvents(org, [pending(org, { id: 'evt_tx', ...tricky })]));
        const ids = ['evt_large', 'evt_small', 'evt_tx'];
        for (const id of ids) expect(await store.getEvent(org, id)).toMatchObject(tricky);
        const byWorkspace = await store.listEvents(org, { ...WIDE, workspace: '\\N', limit: 10 });
        expect(byWorkspace.events.map((e) => e.id).sort()).toEqual(ids);
        const byActor = await store.listEvents(org, {
          ...WIDE,
          actor: 'tab\there',
          q: 'back\\slash',
          limit: 10,
        });
        expect(byActor.events).toHaveLength(3);
        await verifyChain(store, org);
      });

      it('keeps the chain gapless under concurrent appends to one org', async () => {
        const org = await createOrg(store);
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            append(store, org, [
              pending(org, { description: `c${i}a` }),
              pending(org, { description: `c${i}b` }),
            ]),
          ),
        );
        const seqs = results.flat().map((e) => e.seq);
        expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
        // Each call's events are contiguous: a batch is never interleaved with another.
        for (const r of results) expect(r[1]!.seq).toBe(r[0]!.seq + 1);
        await verifyChain(store, org);
      });

      it('streams the chain past its read chunk, and from a given seq', async () => {
        const org = await createOrg(store);
        const total = 2345;
        for (let start = 0; start < total; start += 1000) {
          const n = Math.min(1000, total - start);
          await append(
            store,
            org,
            Array.from({ length: n }, (_, i) =>
              pending(org, { occurred_at: new Date(BASE + (start + i) * 1000).toISOString() }),
            ),
          );
        }
        const events = await verifyChain(store, org);
        expect(events).toHaveLength(total);
        const tail = await collect(store.streamChain(org, 2001));
        expect(tail.map((e) => e.seq)).toEqual(Array.from({ length: total - 2000 }, (_, i) => 2001 + i));

        // streamEvents reads in STREAM_CHUNK pages: every match once, newest first.
        expect(total).toBeGreaterThan(2 * STREAM_CHUNK);
        const streamed = await collect(store.streamEvents(org, WIDE));
        expect(streamed.map((e) => e.seq)).toEqual(events.map((e) => e.seq).reverse());
        // So do the JSON pages exports read, each text the stored event.
        const texts = (await collect(store.streamEventJsonPages(org, WIDE))).flat();
        expect(texts.map((t) => JSON.parse(t))).toEqual(streamed);
      });
    });

    describe('idempotency on the client id', () => {
      it('answers a repeated id with the same content with the stored event, storing nothing', async () => {
        const org = await createOrg(store);
        const [original] = await append(store, org, [pending(org, { id: 'evt_same', description: 'one' })]);
        // Received later, same input: still the same event.
        const retry = pending(org, { id: 'evt_same', description: 'one' }, new Date(BASE + 5 * MINUTE));
        const [again] = await append(store, org, [retry, pending(org, { description: 'new' })]);
        expect(again).toEqual({ id: 'evt_same', seq: original!.seq, hash: original!.hash, duplicate: true });
        const events = await verifyChain(store, org);
        expect(events.map((e) => e.id).filter((id) => id === 'evt_same')).toHaveLength(1);
        expect(events).toHaveLength(2);
      });

      it('refuses a repeated id with different content (conflict at /events/{i}/id) and stores none of that batch', async () => {
        const org = await createOrg(store);
        await append(store, org, [pending(org, { id: 'evt_taken', description: 'original' })]);
        const head = await store.chainHead(org);
        const [outcome] = await store.appendBatches([
          {
            org,
            events: [
              pending(org, { description: 'fresh 1' }),
              pending(org, { id: 'evt_fresh', description: 'fresh 2' }),
              pending(org, { id: 'evt_taken', description: 'changed' }),
            ],
          },
        ]);
        expect(outcome!.ok).toBe(false);
        const error = (outcome as { ok: false; error: AppError }).error;
        expect(error).toBeInstanceOf(AppError);
        expect(error.code).toBe('conflict');
        expect(error.errors).toEqual([{ path: '/events/2/id', message: expect.any(String) }]);
        expect(await store.chainHead(org)).toEqual(head);
        expect(await store.getEvent(org, 'evt_fresh')).toBeUndefined();
        expect((await store.getEvent(org, 'evt_taken'))?.description).toBe('original');
      });

      it('treats a repeated id inside one batch the same way', async () => {
        const org = await createOrg(store);
        const same = await append(store, org, [
          pending(org, { id: 'evt_twice', description: 'x' }),
          pending(org, { id: 'evt_twice', description: 'x' }),
        ]);
        expect(same[1]).toEqual({ ...same[0]!, duplicate: true });
        const [outcome] = await store.appendBatches([
          {
            org,
            events: [
              pending(org, { id: 'evt_pair', description: 'a' }),
              pending(org, { id: 'evt_pair', description: 'b' }),
            ],
          },
        ]);
        expect(outcome!.ok).toBe(false);
        expect((outcome as { ok: false; error: AppError }).error.errors?.[0]?.path).toBe('/events/1/id');
        expect(await store.getEvent(org, 'evt_pair')).toBeUndefined();
        expect((await verifyChain(store, org)).length).toBe(1);
      });

      it('refuses a client id that a generated id took earlier in the batch or in the same call', async () => {
        const org = await createOrg(store);
        const generated = pending(org, { description: 'generated' });
        const [inBatch] = await store.appendBatches([
          { org, events: [generated, pending(org, { id: generated.id, description: 'client' })] },
        ]);
        expect(inBatch).toMatchObject({ ok: false, error: { code: 'conflict' } });
        expect((inBatch as { ok: false; error: AppError }).error.errors?.[0]?.path).toBe('/events/1/id');
        expect(await store.getEvent(org, generated.id)).toBeUndefined();
        const earlier = pending(org, { description: 'generated first' });
        const outcomes = await store.appendBatches([
          { org, events: [earlier] },
          { org, events: [pending(org, { id: earlier.id, description: 'client second' })] },
        ]);
        expect(outcomes[0]!.ok).toBe(true);
        expect(outcomes[1]).toMatchObject({ ok: false, error: { code: 'conflict' } });
        expect((await verifyChain(store, org)).map((event) => event.description)).toEqual([
          'generated first',
        ]);
      });

      it('scopes ids to the org: the same id in two orgs is two events', async () => {
        const a = await createOrg(store);
        const b = await createOrg(store);
        await append(store, a, [pending(a, { id: 'evt_shared', description: 'in a' })]);
        const [inB] = await append(store, b, [
          pending(b, { id: 'evt_shared', description: 'in b, different' }),
        ]);
        expect(inB).toMatchObject({ seq: 1, duplicate: false });
        expect((await store.getEvent(a, 'evt_shared'))?.description).toBe('in a');
        expect((await store.getEvent(b, 'evt_shared'))?.description).toBe('in b, different');
      });
    });

    describe('group commit', () => {
      it('commits every good batch and leaves no trace of a failed one', async () => {
        const a = await createOrg(store);
        const b = await createOrg(store);
        await append(store, a, [pending(a, { id: 'evt_a_taken', description: 'original' })]);
        const batches: AppendBatch[] = [
          { org: a, events: [pending(a, { id: 'evt_a1' }), pending(a, { id: 'evt_a2' })] },
          {
            org: a,
            events: [pending(a, { id: 'evt_a_bad_1' }), pending(a, { id: 'evt_a_taken', description: 'x' })],
          },
          { org: b, events: [pending(b, { id: 'evt_b1' })] },
          { org: 'org_does_not_exist', events: [pending('org_does_not_exist')] },
          { org: a, events: [pending(a, { id: 'evt_a3' }), pending(a, { id: 'evt_a1' })] },
        ];
        const outcomes = await store.appendBatches(batches);
        expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, false, true]);
        expect((outcomes[1] as { ok: false; error: AppError }).error.code).toBe('conflict');
        expect((outcomes[3] as { ok: false; error: AppError }).error.code).toBe('not_found');
        const last = (outcomes[4] as { ok: true; events: AppendedEvent[] }).events;
        // The failed batch took no seq: the next good batch continues right after the first.
        expect(last[0]).toMatchObject({ id: 'evt_a3', seq: 4, duplicate: false });
        // A later batch of the same commit sees an earlier batch's ids.
        expect(last[1]).toMatchObject({ id: 'evt_a1', seq: 2, duplicate: true });
        expect(await store.getEvent(a, 'evt_a_bad_1')).toBeUndefined();
        expect((await verifyChain(store, a)).map((e) => e.id)).toEqual([
          'evt_a_taken',
          'evt_a1',
          'evt_a2',
          'evt_a3',
        ]);
        expect((await verifyChain(store, b)).map((e) => e.id)).toEqual(['evt_b1']);
      });

      it('keeps the chain head and search index right when a failed batch crossed into a new block', async () => {
        const org = await createOrg(store);
        const fill = (from: number, count: number) =>
          Array.from({ length: count }, (_, i) => pending(org, { id: `evt_fill_${from + i}` }));
        await append(store, org, fill(0, 2300));
        const batches: AppendBatch[] = [
          { org, events: Array.from({ length: 3 }, (_, i) => pending(org, { id: `evt_before_${i}` })) },
          {
            // Seqs 2304 to 2309 would cross the boundary of 256-event blocks; the last row conflicts.
            org,
            events: [
              ...Array.from({ length: 5 }, (_, i) =>
                pending(org, { id: `evt_failed_${i}`, description: 'quokkafailed' }),
              ),
              pending(org, { id: 'evt_fill_0', description: 'changed' }),
            ],
          },
          {
            org,
            events: Array.from({ length: 5 }, (_, i) =>
              pending(org, { id: `evt_after_${i}`, description: 'wombatafter' }),
            ),
          },
        ];
        const outcomes = await store.appendBatches(batches);
        expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
        expect(await store.chainHead(org)).toMatchObject({ seq: 2308 });
        // Older than the newest rows a search tests directly: found through the search index.
        await append(store, org, fill(2300, 2100));
        expect((await verifyChain(store, org)).length).toBe(4408);
        const after = await allPages(store, org, { ...WIDE, q: 'wombatafter' }, 2);
        expect(after.sort()).toEqual(Array.from({ length: 5 }, (_, i) => `evt_after_${i}`));
        expect(await allPages(store, org, { ...WIDE, q: 'quokkafailed' }, 10)).toEqual([]);
      });

      it('commits overlapping calls in call order when the store queues appends', async () => {
        const org = await createOrg(store);
        await append(store, org, [pending(org, { id: 'evt_q_taken', description: 'original' })]);
        const calls: AppendBatch[][] = Array.from({ length: 30 }, (_, i) => [
          { org, events: [pending(org, { id: `evt_q${i}_a` }), pending(org, { id: `evt_q${i}_b` })] },
        ]);
        // One call in the middle conflicts; it alone fails.
        calls[12] = [{ org, events: [pending(org, { id: 'evt_q_taken', description: 'changed' })] }];
        const overlapping = async () => {
          const appended: Array<Promise<AppendOutcome[]>> = [];
          let write: Promise<unknown> | undefined;
          for (const [i, batches] of calls.entries()) {
            if (i === 15) {
              // A transactional write pauses the writer while appends keep arriving behind it.
              write = store.transaction((tx) => tx.createOrg({ id: uid('org'), name: 'Org' }));
              await new Promise((resolve) => setImmediate(resolve));
            }
            appended.push(store.appendBatches(batches));
          }
          await write;
          return Promise.all(appended);
        };
        const outcomes = store.queuesAppends
          ? await overlapping()
          : await calls.reduce<Promise<AppendOutcome[][]>>(
              async (done, batches) => [...(await done), await store.appendBatches(batches)],
              Promise.resolve([]),
            );
        expect(store.queuesAppends).toBe(name === 'sqlite');
        const seqs = outcomes.flatMap(([outcome], i) => {
          if (i === 12) {
            expect(outcome).toMatchObject({ ok: false, error: { code: 'conflict' } });
            return [];
          }
          expect(outcome!.ok).toBe(true);
          return (outcome as { ok: true; events: AppendedEvent[] }).events.map((e) => e.seq);
        });
        expect(seqs).toEqual(Array.from({ length: 58 }, (_, i) => i + 2));
        expect((await verifyChain(store, org)).length).toBe(59);
      });

      it('accepts an empty list of batches', async () => {
        expect(await store.appendBatches([])).toEqual([]);
      });
    });

    describe('filters and pagination', () => {
      let org: string;
      let stored: StoredEvent[];

      const actions = [
        'user.login',
        'user.login_failed',
        'api_key.created',
        'api_key.deleted',
        'api_key.iam_rule.update',
        'apikey.created',
        'template.created',
        'template_x.created',
      ];
      const actors = [
        { type: 'user' as const, id: 'u_1', name: 'Ada Lovelace', email: 'Ada@Example.com' },
        { type: 'user' as const, id: 'u_2', name: 'Bob', email: 'bob@example.com' },
        { type: 'service' as const, id: 'svc_billing' },
        { type: 'api_key' as const, id: 'ada@example.com' },
      ];
      const ips = ['203.0.113.7', '198.51.100.1', '2001:db8::1'];

      beforeAll(async () => {
        org = await createOrg(store);
        const random = rng(42);
        const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
        const inputs: Partial<EventInput>[] = [];
        for (let i = 0; i < 180; i++) {
          const input: Partial<EventInput> = {
            action: pick(actions),
            actor: { ...pick(actors) },
            // Three events per minute, some minutes repeated: ties on time are broken by seq.
            occurred_at: new Date(
              BASE + Math.floor(i / 3) * MINUTE - (i % 7 === 0 ? 30 * MINUTE : 0),
            ).toISOString(),
            status: random() < 0.2 ? 'failure' : 'success',
            description: pick([
              'Created template Invoice',
              'Rotated key',
              'Signed in',
              'Changed role of Bob',
            ]),
          };
          if (random() < 0.7)
            input.resource = { type: pick(['template', 'api_key']), id: pick(['tpl_1', 'tpl_2', 'key_7']) };
          if (random() < 0.6) input.workspace = pick(['ws_1', 'ws_2']);
          if (random() < 0.7) input.context = { ip: pick(ips) };
          if (random() < 0.3)
            input.request = {
              method: 'POST',
              path: pick(['/api/v1/templates', '/api/v1/keys']),
              status_code: 201,
            };
          inputs.push(input);
        }
        // Batches of uneven sizes, as ingest would bring them.
        for (let start = 0; start < inputs.length; start += 37) {
          await append(
            store,
            org,
            inputs.slice(start, start + 37).map((input) => pending(org, input)),
          );
        }
        stored = await collect(store.streamChain(org));
        // Another org with look-alike events, which no query of `org` may return.
        const other = await createOrg(store);
        await append(
          store,
          other,
          inputs.slice(0, 40).map((input) => pending(other, input)),
        );
      });

      function expected(filter: EventFilter): string[] {
        return stored
          .filter((e) => matches(e, filter))
          .sort(newestFirst)
          .map((e) => e.id);
      }

      const single: Array<[string, Partial<EventFilter>]> = [
        ['nothing', {}],
        ['exact action', { actions: ['user.login'] }],
        ['action list', { actions: ['user.login', 'template.created'] }],
        ['action prefix (underscore is literal)', { actionPrefixes: ['api_key.'] }],
        ['nested prefix', { actionPrefixes: ['api_key.iam_rule.'] }],
        ['prefix and exact together', { actionPrefixes: ['template.'], actions: ['user.login_failed'] }],
        ['prefix matching nothing', { actionPrefixes: ['nothing.'] }],
        ['actor by id', { actor: 'u_2' }],
        ['actor by email, any case', { actor: 'ADA@example.COM' }],
        ['actor id is case-sensitive', { actor: 'U_2' }],
        ['resource type', { resourceType: 'template' }],
        ['resource id', { resourceId: 'key_7' }],
        ['status', { status: 'failure' }],
        ['workspace', { workspace: 'ws_2' }],
        ['ip v4', { ip: '198.51.100.1' }],
        ['ip v6', { ip: '2001:db8::1' }],
        ['kind audit', { kind: 'audit' }],
        ['kind request', { kind: 'request' }],
        ['q description', { q: 'invoice' }],
        ['q actor name, any case', { q: 'LOVELACE' }],
        ['q email', { q: 'bob@example' }],
        ['q request path', { q: '/api/v1/keys' }],
        ['q resource id', { q: 'tpl_2' }],
        ['q workspace', { q: 'ws_1' }],
        ['q short', { q: 'b' }],
        ['from/to window', { from: BASE + 10 * MINUTE, to: BASE + 20 * MINUTE }],
      ];

      it.each(single)('filter: %s', async (_label, partial) => {
        const filter = { ...WIDE, ...partial };
        const want = expected(filter);
        const page = await store.listEvents(org, { ...filter, limit: 1000 });
        expect(page.events.map((e) => e.id)).toEqual(want);
        expect(page.nextCursor).toBeNull();
        expect(await allPages(store, org, filter, 7)).toEqual(want);
      });

      it('includes both ends of the time window', async () => {
        const t = Date.parse(stored[30]!.occurred_at);
        const filter = { from: t, to: t };
        const want = expected(filter);
        expect(want.length).toBeGreaterThanOrEqual(1);
        expect((await store.listEvents(org, { ...filter, limit: 100 })).events.map((e) => e.id)).toEqual(
          want,
        );
      });

      it('combines filters (every combination of two, and random larger ones)', async () => {
        const random = rng(7);
        const combos: EventFilter[] = [];
        const parts = single.slice(1).map(([, p]) => p);
        for (let i = 0; i < parts.length; i++)
          for (let j = i + 1; j < parts.length; j++) combos.push({ ...WIDE, ...parts[i], ...parts[j] });
        for (let n = 0; n < 40; n++) {
          let filter: EventFilter = { ...WIDE };
          for (let k = 0; k < 3 + Math.floor(random() * 3); k++)
            filter = { ...filter, ...parts[Math.floor(random() * parts.length)] };
          combos.push(filter);
        }
        let nonEmpty = 0;
        for (const filter of combos) {
          const want = expected(filter);
          if (want.length > 0) nonEmpty++;
          const got = (await store.listEvents(org, { ...filter, limit: 1000 })).events.map((e) => e.id);
          expect(got, JSON.stringify(filter)).toEqual(want);
        }
        // The dataset is rich enough that combinations are really tested.
        expect(nonEmpty).toBeGreaterThan(combos.length / 3);
      });

      it('pages with the cursor: every event exactly once, in order, at any page size', async () => {
        const want = expected(WIDE);
        expect(want).toHaveLength(180);
        for (const size of [1, 2, 7, 50, 179, 180, 181]) {
          expect(await allPages(store, org, WIDE, size)).toEqual(want);
        }
        expect(
          await allPages(store, org, { ...WIDE, actionPrefixes: ['api_key.'], status: 'success' }, 3),
        ).toEqual(expected({ ...WIDE, actionPrefixes: ['api_key.'], status: 'success' }));
      });

      it('keeps pages stable while newer events arrive', async () => {
        const fresh = await createOrg(store);
        await append(
          store,
          fresh,
          Array.from({ length: 30 }, (_, i) =>
            pending(fresh, { occurred_at: new Date(BASE + i * MINUTE).toISOString() }),
          ),
        );
        const first = await store.listEvents(fresh, { ...WIDE, limit: 10 });
        await append(
          store,
          fresh,
          Array.from({ length: 5 }, () =>
            pending(fresh, { occurred_at: new Date(BASE + 99 * MINUTE).toISOString() }),
          ),
        );
        const ids = first.events.map((e) => e.id);
        let cursor = first.nextCursor;
        while (cursor) {
          const page = await store.listEvents(fresh, { ...WIDE, limit: 10, cursor });
          ids.push(...page.events.map((e) => e.id));
          cursor = page.nextCursor;
        }
        expect(new Set(ids).size).toBe(30);
        expect(ids).toHaveLength(30);
      });

      it('streams every match once, newest first', async () => {
        const filter = { ...WIDE, actionPrefixes: ['user.'] };
        expect((await collect(store.streamEvents(org, filter))).map((e) => e.id)).toEqual(expected(filter));
        const texts = (await collect(store.streamEventJsonPages(org, filter))).flat();
        expect(texts.map((t) => JSON.parse(t).id)).toEqual(expected(filter));
      });

      it('counts actions in the time window', async () => {
        const window = { from: BASE, to: BASE + 30 * MINUTE };
        const counts = new Map<string, number>();
        for (const e of stored.filter((e) => matches(e, window)))
          counts.set(e.action, (counts.get(e.action) ?? 0) + 1);
        const want = [...counts]
          .map(([action, count]) => ({ action, count }))
          .sort((x, y) => y.count - x.count || (x.action < y.action ? -1 : 1));
        expect(await store.listActions(org, window)).toEqual(want);
      });
    });

    describe('action counts', () => {
      const HOUR = 60 * MINUTE;
      let org: string;
      const times: Array<[number, string]> = [];

      beforeAll(async () => {
        org = await createOrg(store);
        // Every 7 minutes for five hours, three actions in turn; two appends, so that counts add up.
        for (let i = 0; i < 43; i++)
          times.push([BASE + i * 7 * MINUTE, ['a.one', 'b.two', 'c.three'][i % 3]!]);
        const events = times.map(([at, action]) =>
          pending(org, { action, occurred_at: new Date(at).toISOString() }),
        );
        await append(store, org, events.slice(0, 20));
        await append(store, org, events.slice(20));
      });

      it('answers what counting the events answers, for whole hours, parts of hours and both', async () => {
        const windows = [
          WIDE,
          { from: BASE, to: BASE + 5 * HOUR },
          { from: BASE + HOUR, to: BASE + 3 * HOUR - 1 },
          { from: BASE + 13 * MINUTE, to: BASE + 4 * HOUR + 5 * MINUTE },
          { from: BASE + 61 * MINUTE, to: BASE + 62 * MINUTE },
          { from: BASE + 70 * MINUTE, to: BASE + 100 * MINUTE },
          { from: BASE + 7 * MINUTE, to: BASE + 7 * MINUTE },
          { from: BASE + 10 * HOUR, to: BASE + 11 * HOUR },
          { from: BASE + HOUR, to: BASE },
          // Most of an hour: the rest of it is counted and taken off the hour's count.
          { from: BASE + 62 * MINUTE, to: BASE + 118 * MINUTE },
          { from: BASE + 63 * MINUTE, to: BASE + 63 * MINUTE + 7 * MINUTE * 6 },
          { from: BASE + 4 * HOUR + MINUTE, to: BASE + 10 * HOUR },
          { from: BASE - HOUR, to: BASE + 4 * HOUR + 40 * MINUTE },
        ];
        for (const window of windows) {
          const counts = new Map<string, number>();
          for (const [at, action] of times) {
            if (at >= window.from && at <= window.to) counts.set(action, (counts.get(action) ?? 0) + 1);
          }
          const want = [...counts]
            .map(([action, count]) => ({ action, count }))
            .sort((x, y) => y.count - x.count || (x.action < y.action ? -1 : 1));
          expect(await store.listActions(org, window), JSON.stringify(window)).toEqual(want);
        }
      });
    });

    describe('search (q)', () => {
      let org: string;
      const texts = {
        percent: 'Granted 50% discount',
        underscore: 'set the a_b flag',
        backslash: 'saved to C:\\temp\\x',
        single: "O'Brien's template",
        double: 'say "hi" twice',
        invoice: 'Invoice INV-42 sent',
        accents: 'ÉCOLE café',
        plain: 'nothing special here',
      };

      beforeAll(async () => {
        org = await createOrg(store);
        await append(
          store,
          org,
          Object.entries(texts).map(([key, description]) =>
            pending(org, { id: `evt_${key}`, actor: { type: 'user', id: 'alice' }, description }),
          ),
        );
      });

      async function search(q: string): Promise<string[]> {
        const page = await store.listEvents(org, { ...WIDE, q, limit: 50 });
        return page.events.map((e) => e.id).sort();
      }

      it.each([
        ['%', ['evt_percent']],
        ['50%', ['evt_percent']],
        ['%%', []],
        ['_', ['evt_underscore']],
        ['a_b', ['evt_underscore']],
        ['a%b', []],
        ['\\', ['evt_backslash']],
        ['c:\\temp', ['evt_backslash']],
        ["'", ['evt_single']],
        ["o'brien's", ['evt_single']],
        ['"hi"', ['evt_double']],
        ['INVOICE inv-42', ['evt_invoice']],
        ['école', ['evt_accents']],
        ['CAFÉ', ['evt_accents']],
        [
          'alice',
          Object.keys(texts)
            .map((k) => `evt_${k}`)
            .sort(),
        ],
      ])('matches %j literally and case-insensitively', async (q, want) => {
        expect(await search(q)).toEqual(want);
      });

      it.each([
        'x'.repeat(1000),
        `%${'_'.repeat(500)}%`,
        "'; DROP TABLE events; --",
        '\\\\%\\_',
        '" OR 1=1 --',
        'NEAR(a b) AND NOT "x" OR *',
        '[a-z]* ^$ (?:x) {1}',
        'a\u0000b',
        '\u0000',
        '\ud800 lone surrogate',
        '🎉'.repeat(100),
        '%'.repeat(1000),
      ])('never throws on the hostile string %#', async (q) => {
        const got = await search(q);
        expect(got).toEqual([]);
      });

      it('matches nothing, without throwing, when a filter or key holds NUL', async () => {
        const nul = 'alice\u0000';
        for (const filter of [
          { actor: nul },
          { actions: ['a.b', nul] },
          { actionPrefixes: [nul] },
          { resourceType: nul },
          { resourceId: nul },
          { workspace: nul },
          { ip: nul },
          { q: nul },
        ]) {
          const page = await store.listEvents(org, { ...WIDE, ...filter, limit: 10 });
          expect(page.events, JSON.stringify(filter)).toEqual([]);
        }
        expect(await store.getEvent(org, 'evt_plain\u0000')).toBeUndefined();
        expect(await store.getOrg(`${org}\u0000`)).toBeUndefined();
        expect(await store.findApiKeyByHash('\u0000')).toBeUndefined();
        await expectAppError(store.chainHead(`${org}\u0000`), 'not_found');
      });
    });

    describe('isolation', () => {
      it('never shows one org events of another through any read', async () => {
        const a = await createOrg(store, 'A');
        const b = await createOrg(store, 'B');
        const secret = 'zebracorn';
        const inA = await append(store, a, [
          pending(a, {
            action: 'secret.viewed',
            description: `the ${secret} file`,
            actor: { type: 'user', id: 'spy' },
          }),
          pending(a, { action: 'secret.viewed', workspace: 'ws_shared' }),
        ]);
        await append(store, b, [pending(b, { action: 'public.viewed', workspace: 'ws_shared' })]);

        for (const e of inA) expect(await store.getEvent(b, e.id)).toBeUndefined();
        const listed = await store.listEvents(b, { ...WIDE, limit: 1000 });
        expect(listed.events.map((e) => e.org)).toEqual([b]);
        for (const filter of [
          { q: secret },
          { actor: 'spy' },
          { actions: ['secret.viewed'] },
          { actionPrefixes: ['secret.'] },
          { workspace: 'ws_shared' },
        ]) {
          const page = await store.listEvents(b, { ...WIDE, ...filter, limit: 1000 });
          expect(page.events.every((e) => e.org === b)).toBe(true);
          expect(page.events.some((e) => e.action === 'secret.viewed')).toBe(false);
        }
        expect((await collect(store.streamEvents(b, { ...WIDE, q: secret }))).length).toBe(0);
        expect((await collect(store.streamEvents(b, WIDE))).every((e) => e.org === b)).toBe(true);
        expect(await store.listActions(b, WIDE)).toEqual([{ action: 'public.viewed', count: 1 }]);
        expect((await collect(store.streamChain(b))).map((e) => e.org)).toEqual([b]);
        expect((await store.chainHead(b)).seq).toBe(1);
        // And the other way round: A sees its own.
        expect((await store.listEvents(a, { ...WIDE, q: secret, limit: 10 })).events).toHaveLength(1);
      });
    });

    describe('immutability', () => {
      it('refuses UPDATE and DELETE of events in the database itself', async () => {
        const org = await createOrg(store);
        await append(store, org, [pending(org, { description: 'keep me' }), pending(org)]);
        const before = await verifyChain(store, org);
        await expect(harness.execRaw("UPDATE events SET action = 'tampered.action'")).rejects.toThrow(
          /immutable/,
        );
        await expect(harness.execRaw('UPDATE events SET seq = seq WHERE seq = 1')).rejects.toThrow(
          /immutable/,
        );
        await expect(harness.execRaw('DELETE FROM events')).rejects.toThrow(/immutable/);
        await expect(harness.execRaw('DELETE FROM events WHERE seq = 1')).rejects.toThrow(/immutable/);
        expect(await verifyChain(store, org)).toEqual(before);
      });
    });

    describe('alerts', () => {
      const alert = (dedupe: string, n: number): NewAlert => ({
        id: uid('alr'),
        dedupe_key: dedupe,
        source_kind: 'detector',
        source_id: 'api_key_created',
        source_name: 'API key created',
        severity: 'medium',
        title: `Alert ${n}`,
        description: `the ${n}th`,
        group_key: `key_${n}`,
        window_start: new Date(BASE).toISOString(),
        window_end: new Date(BASE + n).toISOString(),
        matched_count: 1,
        sample_event_ids: [`evt_${n}`],
        event_filter: { action: 'api_key.created' },
        details: { n },
        created_at: new Date(BASE).toISOString(),
      });

      it('stores an alert once per dedupe key and org, and says whether it was new', async () => {
        const org = await createOrg(store);
        const first = alert('d_1', 1);
        expect(await store.transaction((tx) => tx.alerts.insertAlert(org, first))).toBe(true);
        const again = alert('d_1', 2);
        expect(await store.transaction((tx) => tx.alerts.insertAlert(org, again))).toBe(false);
        expect(await store.alerts.getAlert(org, first.id)).toMatchObject({
          ...first,
          org,
          status: 'open',
          resolved_at: null,
        });
        expect(await store.alerts.getAlert(org, again.id)).toBeUndefined();
        // The same key in another org is another alert.
        const other = await createOrg(store);
        expect(await store.transaction((tx) => tx.alerts.insertAlert(other, alert('d_1', 3)))).toBe(true);
      });
    });

    describe('transaction()', () => {
      it('commits the change and its event together', async () => {
        const id = uid('org');
        await store.transaction(async (tx) => {
          await tx.createOrg({ id, name: 'Tx' });
          await tx.appendEvents(id, [pending(id, { action: 'organization.created' })]);
        });
        expect(await store.getOrg(id)).toBeDefined();
        expect((await verifyChain(store, id)).map((e) => e.action)).toEqual(['organization.created']);
      });

      it('rolls back both the change and its event when the function throws', async () => {
        const id = uid('org');
        const keyHash = randomBytes(32).toString('hex');
        await expect(
          store.transaction(async (tx) => {
            await tx.createOrg({ id, name: 'Doomed' });
            await tx.createApiKey({
              id: uid('key'),
              org: id,
              name: 'k',
              prefix: 'tmk_x',
              last4: 'abcd',
              scopes: ['events:read'],
              key_hash: keyHash,
              created_at: new Date(BASE).toISOString(),
              created_by: null,
              expires_at: null,
            });
            await tx.appendEvents(id, [pending(id, { action: 'organization.created' })]);
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await store.getOrg(id)).toBeUndefined();
        expect(await store.findApiKeyByHash(keyHash)).toBeUndefined();
        await expectAppError(store.chainHead(id), 'not_found');

        const org = await createOrg(store);
        await append(store, org, [pending(org)]);
        const head = await store.chainHead(org);
        await expect(
          store.transaction(async (tx) => {
            await tx.appendEvents(org, [pending(org, { id: 'evt_rolled_back' })]);
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await store.chainHead(org)).toEqual(head);
        expect(await store.getEvent(org, 'evt_rolled_back')).toBeUndefined();
        // The chain continues where it was.
        expect((await append(store, org, [pending(org)]))[0]!.seq).toBe(2);
        await verifyChain(store, org);
      });

      it('fails with conflict (and rolls back) when an appended id conflicts', async () => {
        const org = await createOrg(store);
        await append(store, org, [pending(org, { id: 'evt_tx', description: 'a' })]);
        await expectAppError(
          store.transaction((tx) => tx.appendEvents(org, [pending(org, { id: 'evt_tx', description: 'b' })])),
          'conflict',
        );
        await expectAppError(
          store.transaction((tx) => tx.appendEvents('org_does_not_exist', [pending('org_does_not_exist')])),
          'not_found',
        );
        expect((await verifyChain(store, org)).length).toBe(1);
      });
    });

    runIntegrityContract(() => harness);
  });
}
