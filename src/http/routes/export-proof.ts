import { Readable } from 'node:stream';
import { AppError } from '../../domain/errors.js';
import { type EventFilter, FILTER_PARAMS } from '../../domain/query.js';
import { proofExportLines } from '../../export/proof-export.js';
import type { AppContext } from '../context.js';

/**
 * `with_proof=1` on the JSONL export. Without any filter parameter the export is the complete
 * retained chain (not the default 30-day window), which verifies as a chain; with filters, each
 * matching event carries its inclusion proof.
 */
export function withProofOf(query: Record<string, unknown>): { complete: boolean } | undefined {
  const value = query.with_proof;
  if (value === undefined || value === '0' || value === 'false') return undefined;
  if (value !== '1' && value !== 'true') {
    throw new AppError('validation', '/query/with_proof: must be 1 or 0', {
      errors: [{ path: '/query/with_proof', message: 'must be 1 or 0' }],
    });
  }
  const filtered = FILTER_PARAMS.some((name) => query[name] !== undefined && query[name] !== '');
  return { complete: !filtered };
}

export async function proofExportStream(
  ctx: AppContext,
  org: string,
  filter: EventFilter | undefined,
  onEnd: (rows: number, completed: boolean) => void,
): Promise<Readable> {
  const keys = await ctx.background.keys.published();
  let rows = 0;
  async function* lines(): AsyncGenerator<string> {
    let completed = false;
    try {
      yield* proofExportLines({
        store: ctx.store,
        org,
        filter,
        keys,
        now: ctx.now(),
        onEvent: () => {
          rows += 1;
        },
      });
      completed = true;
    } finally {
      onEnd(rows, completed);
    }
  }
  return Readable.from(lines(), { objectMode: false, highWaterMark: 64 * 1024 });
}
