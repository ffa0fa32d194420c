import { Readable } from 'node:stream';
import type { StoredEvent } from '../domain/event.js';
import { csvHeader, csvRows } from './csv.js';

export type ExportFormat = 'csv' | 'jsonl';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

const CHUNK_ROWS = 500;

/**
 * Turns the store's event stream into text, a few hundred rows per chunk. The Readable pulls the
 * next chunk only when the socket has drained, so memory stays flat whatever the export's size.
 * `onEnd` learns how many rows went out and whether the stream finished.
 */
export function exportStream(
  events: AsyncIterable<StoredEvent>,
  format: ExportFormat,
  onEnd: (rows: number, completed: boolean) => void,
): Readable {
  let rows = 0;
  let completed = false;
  async function* chunks(): AsyncGenerator<string> {
    try {
      if (format === 'csv') yield csvHeader();
      let batch: StoredEvent[] = [];
      const flush = () => {
        const text = format === 'csv' ? csvRows(batch) : batch.map((e) => `${JSON.stringify(e)}\n`).join('');
        rows += batch.length;
        batch = [];
        return text;
      };
      for await (const event of events) {
        batch.push(event);
        if (batch.length >= CHUNK_ROWS) yield flush();
      }
      if (batch.length) yield flush();
      completed = true;
    } finally {
      onEnd(rows, completed);
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 });
}
