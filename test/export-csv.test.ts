import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/domain/jcs.js';
import { csvRow } from '../src/export/csv.js';
import { csvRowFromJson } from '../src/export/csv-from-json.js';

/** An event's JSON as the SQLite store hands it out: canonical body, then the chain fields. */
function storedJson(event: Record<string, unknown>): string {
  const { prev_hash, hash, ...body } = event;
  return `${canonicalJson(body).slice(0, -1)},"prev_hash":"${prev_hash}","hash":"${hash}"}`;
}

const base = {
  id: 'evt_1',
  org: 'org_a',
  seq: 42,
  action: 'user.login',
  occurred_at: '2026-11-01T10:00:00.000Z',
  received_at: '2026-11-01T10:00:00.120Z',
  actor: { type: 'user', id: 'usr_1', name: 'Ada', email: 'ada@example.com' },
  resource: { type: 'document', id: 'doc_1', name: 'Plan' },
  workspace: 'ws_1',
  status: 'success',
  description: 'Ada signed in',
  context: {
    ip: '203.0.113.9',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
    location: { country: 'DE', region: 'Berlin', city: 'Berlin' },
    browser: { name: 'Firefox' },
  },
  request: { method: 'POST', path: '/v1/things', status_code: 201, duration_ms: 12.5 },
  metadata: { z: [1, { hash: 'inner', seq: 7 }], a: 'x,y', '"quoted"': '}{][' },
  prev_hash: '0'.repeat(64),
  hash: 'f'.repeat(64),
};

const hostile = [
  '=HYPERLINK("http://evil")',
  '+1',
  '-2+3',
  '@SUM(A1)',
  '\t=1',
  '\r=1',
  'comma, inside',
  'quote " inside',
  'line\nbreak',
  'crlf\r\nbreak',
  'back\\slash',
  'unicode é 漢字 🎉 \u2028',
  'escaped \u0001 control',
  '}{"],[',
  '',
];

describe('CSV rows read from the JSON text', () => {
  it('match the rows written from the parsed event', () => {
    const json = storedJson(base);
    expect(csvRowFromJson(json)).toBe(csvRow(JSON.parse(json)));
  });

  it('match for hostile strings in every text column', () => {
    for (const text of hostile) {
      const event = {
        ...base,
        actor: { type: text, id: text, name: text, email: text },
        resource: { type: text, id: text, name: text },
        workspace: text,
        description: text,
        context: { ip: text, user_agent: text, location: { country: text } },
        request: { method: text, path: text, status_code: 500, duration_ms: 0 },
        metadata: { [text]: text },
      };
      const json = storedJson(event);
      expect(csvRowFromJson(json), JSON.stringify(text)).toBe(csvRow(JSON.parse(json)));
    }
  });

  it('leave out what an event does not have', () => {
    const {
      resource: _r,
      workspace: _w,
      description: _d,
      context: _c,
      request: _q,
      metadata: _m,
      ...bare
    } = base;
    const json = storedJson({ ...bare, actor: { type: 'system', id: 'cron' } });
    expect(csvRowFromJson(json)).toBe(csvRow(JSON.parse(json)));
    expect(csvRowFromJson(json).split(',')).toHaveLength(23);
  });

  it('take only top-level and known nested members, whatever metadata holds', () => {
    const event = { ...base, metadata: { action: 'forged', actor: { id: 'forged' }, hash: 'forged' } };
    const row = csvRowFromJson(storedJson(event));
    expect(row.split(',').slice(0, 5)).toEqual([
      '2026-11-01T10:00:00.000Z',
      'user.login',
      'success',
      'user',
      'usr_1',
    ]);
    expect(row.endsWith(`,evt_1,42,${'f'.repeat(64)}`)).toBe(true);
  });

  it('fall back to parsing for JSON laid out another way', () => {
    const json = JSON.stringify(base, null, 2);
    expect(csvRowFromJson(json)).toBe(csvRow(base as never));
    const spaced = ` ${storedJson(base)}`;
    expect(csvRowFromJson(spaced)).toBe(csvRow(JSON.parse(spaced)));
  });
});
