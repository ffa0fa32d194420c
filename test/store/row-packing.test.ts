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
});
