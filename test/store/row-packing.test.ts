import { describe, expect, it } from 'vitest';
import { NO_ENRICHMENT, prepareEvent } from '../../src/domain/prepare-event.js';
import { parseIngestBody } from '../../src/domain/validate.js';
import { type AppendRow, toAppendRow } from '../../src/store/event-row.js';
import { packRows, unpackRows } from '../../src/store/sqlite/row-packing.js';

describe('rows packed for the SQLite writer thread', () => {
  it('unpack to the rows they were packed from: nulls, empty text, two-byte text, client ids', () => {
    const inputs = parseIngestBody({
      events: [
        { action: 'user.login', actor: { type: 'user', id: 'u_1' } },
        {
          id: 'client-chosen',
          action: 'document.viewed',
          actor: { type: 'user', id: 'ü_2', email: 'Zoë@Example.com', name: '😀 emoji' },
          resource: { type: 'document', id: 'd', name: 'ｆｕｌｌ ｗｉｄｔｈ' },
          workspace: 'ws',
          context: { ip: '2001:db8::1', user_agent: 'agent' },
          description: 'a "quoted" \\ line\nbreak',
          occurred_at: '2026-01-01T00:00:00.123Z',
          metadata: { long: 'x'.repeat(5000) },
        },
      ],
    });
    const rows = inputs.map((input) => toAppendRow(prepareEvent(input, 'org_1', new Date(), NO_ENRICHMENT)));
    const edited: AppendRow = {
      ...rows[0]!,
      searchText: '',
      resourceId: '',
      workspace: null,
      inputHash: null,
    };
    const all = [...rows, edited];
    expect(unpackRows(packRows(all))).toEqual(all);
    expect(unpackRows(structuredClone(packRows(all)))).toEqual(all);
    expect(unpackRows(packRows([]))).toEqual([]);
  });

  it('cut their text into pieces between fields, a field longer than a piece whole, empty fields anywhere', () => {
    const inputs = parseIngestBody({
      events: Array.from({ length: 120 }, (_, i) => ({
        id: `evt_${i}`,
        action: 'document.viewed',
        actor: { type: 'user', id: `u_${i}` },
        metadata: { text: (i % 7 === 0 ? 'é' : 'x').repeat(300 + ((i * 977) % 4000)) },
      })),
    });
    const rows = inputs.map((input, i) => {
      const row = toAppendRow(prepareEvent(input, 'org_1', new Date(), NO_ENRICHMENT));
      if (i === 50) return { ...row, head: 'h'.repeat(70_000), tail: '' };
      return i % 3 === 0 ? { ...row, searchText: '', resourceId: '' } : row;
    });
    const packed = packRows(rows);
    expect(packed.texts.length).toBeGreaterThan(5);
    expect(packed.texts.some((text) => text.length >= 70_000)).toBe(true);
    expect(unpackRows(structuredClone(packed))).toEqual(rows);
  });
});
