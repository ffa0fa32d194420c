import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import { searchText } from '../../src/domain/event-columns.js';
import { NO_ENRICHMENT, prepareEvent } from '../../src/domain/prepare-event.js';
import { type EventQuery, encodeCursor, parseEventQuery } from '../../src/domain/query.js';
import { parseIngestBody } from '../../src/domain/validate.js';
import { PROBE_ROWS } from '../../src/store/search-bits.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp.js';

/**
 * The SQLite list planner picks an index per query and, for searches and rare values, walks the
 * block index. Whatever path it takes, the pages must hold exactly the events a plain filter over
 * all events selects, in order. Enough events that the probe is exceeded and blocks are used.
 */
const COUNT = PROBE_ROWS * 3;
const DAY = 86_400_000;

function sample(i: number, now: number) {
  const user = i % 97;
  return {
    id: `e_${i}`,
    action: ['user.login', 'template.created', 'template.deleted', 'api_key.created', 'retention.purged'][
      i % 997 === 0 ? 4 : i % 4
    ]!,
    // Some events arrive out of time order, as backfills do.
    occurred_at: new Date(now - 20 * DAY + i * 60_000 - (i % 13 === 0 ? 3 * DAY : 0)).toISOString(),
    actor: {
      type: 'user' as const,
      id: `u_${user}`,
      email: `Person${user}@Example.com`,
      name: `Person ${user}`,
    },
    resource: { type: i % 3 ? 'template' : 'document', id: `res_${i}`, name: `Doc 100%_${i % 50}` },
    workspace: `ws_${i % 7}`,
    status: i % 11 === 0 ? ('failure' as const) : ('success' as const),
    description: i === 4321 ? 'the needle in the haystack' : `did thing ${i % 100} to "item" ${i}`,
    context: { ip: `10.0.${(i >> 8) & 255}.${i & 255}` },
  };
}

function matches(event: StoredEvent, query: EventQuery): boolean {
  const t = Date.parse(event.occurred_at);
  if (t < query.from || t > query.to) return false;
  if (query.actions || query.actionPrefixes) {
    const ok =
      (query.actions ?? []).includes(event.action) ||
      (query.actionPrefixes ?? []).some((prefix) => event.action.startsWith(prefix));
    if (!ok) return false;
  }
  if (
    query.actor &&
    event.actor.id !== query.actor &&
    event.actor.email?.toLowerCase() !== query.actor.toLowerCase()
  )
    return false;
  if (query.resourceType && event.resource?.type !== query.resourceType) return false;
  if (query.resourceId && event.resource?.id !== query.resourceId) return false;
  if (query.status && event.status !== query.status) return false;
  if (query.workspace && event.workspace !== query.workspace) return false;
  if (query.ip && event.context?.ip !== query.ip) return false;
  if (query.q && !searchText(event).includes(query.q.toLowerCase())) return false;
  return true;
}

describe('SQLite list planner', () => {
  const dir = tempDir();
  const store = new SqliteStore({ path: `${dir.path}/planner.db` });
  const all: StoredEvent[] = [];
  const now = Date.now();

  beforeAll(async () => {
    await store.migrate();
    for (const org of ['acme', 'other'])
      await store.transaction((tx) => tx.createOrg({ id: org, name: org }));
    for (let start = 0; start < COUNT; start += 1000) {
      const events = [];
      for (let i = start; i < start + 1000; i++) {
        events.push(prepareEvent(parseIngestBody(sample(i, now))[0]!, 'acme', new Date(), NO_ENRICHMENT));
      }
      const other = events.slice(0, 50).map((e) => ({ ...e, org: 'other' }));
      const outcomes = await store.appendBatches([
        { org: 'acme', events },
        { org: 'other', events: other },
      ]);
      expect(outcomes.every((o) => o.ok)).toBe(true);
    }
    for await (const event of store.streamChain('acme')) all.push(event);
  }, 120_000);

  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  const queries = [
    '',
    'q=needle',
    'q=NEEDLE IN',
    'q=res_4321',
    'q=100%_',
    'q="item"',
    'q=zz',
    'q=no such text',
    'q=person5@example.com',
    'actor=u_5',
    'actor=person5@example.com',
    'actor=PERSON5@EXAMPLE.COM&q=did thing 5',
    'resource_id=res_5000',
    'resource_id=res_5000&status=success',
    // Whole values that are also the start of others (res_5000, 10.0.1.10, ...).
    'resource_id=res_500',
    'ip=10.0.19.136',
    'ip=10.0.1.1',
    'workspace=ws_1',
    'workspace=ws_3&status=failure',
    'action=retention.purged',
    'action=api_key.*',
    'action=user.login,template.deleted&workspace=ws_1',
    'resource_type=document&kind=audit',
    'q=thing 4&action=template.*',
  ];

  for (const text of queries) {
    it(`pages through exactly the matching events: ${text || '(no filter)'}`, async () => {
      const params = Object.fromEntries(new URLSearchParams(text));
      const expected = all
        .filter((e) => matches(e, parseEventQuery(params, now + 1000)))
        .sort((a, b) => Date.parse(b.occurred_at) - Date.parse(a.occurred_at) || b.seq - a.seq)
        .map((e) => e.seq);
      const got: number[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 500; page++) {
        const query = parseEventQuery({ ...params, limit: '97', ...(cursor ? { cursor } : {}) }, now + 1000);
        const result = await store.listEvents('acme', query);
        got.push(...result.events.map((e) => e.seq));
        if (!result.nextCursor) break;
        cursor = encodeCursor(result.nextCursor);
      }
      expect(got).toEqual(expected);
    });
  }
});
