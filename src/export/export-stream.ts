import { Readable } from 'node:stream';
import { csvHeader } from './csv.js';
import { csvRowFromJson } from './csv-from-json.js';

export type ExportFormat = 'csv' | 'jsonl';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

/** About this many bytes go to the socket at a time. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Turns the store's stream of events (as JSON text) into the export's text, in chunks of about
 * 64 KiB. The Readable pulls the next chunk only when the socket has drained, so memory stays
 * flat whatever the export's size. JSONL passes each event's text through untouched; CSV reads
 * its cells out of that text (csv-from-json.ts). `onEnd` learns how many rows went out and
 * whether the stream finished.
 */
export function exportStream(
  pages: AsyncIterable<readonly string[]>,
  format: ExportFormat,
  onEnd: (rows: number, completed: boolean) => void,
): Readable {
  let rows = 0;
  let completed = false;
  const line =
    format === 'csv' ? (json: string) => `${csvRowFromJson(json)}\r\n` : (json: string) => `${json}\n`;
  async function* chunks(): AsyncGenerator<string> {
    try {
      let chunk = format === 'csv' ? csvHeader() : '';
      for await (const page of pages) {
        for (const json of page) {
          chunk += line(json);
          rows += 1;
          if (chunk.length >= CHUNK_BYTES) {
            yield chunk;
            chunk = '';
          }
        }
      }
      if (chunk) yield chunk;
      completed = true;
    } finally {
      onEnd(rows, completed);
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: CHUNK_BYTES });
}
