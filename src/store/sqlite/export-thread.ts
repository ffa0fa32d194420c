import { parentPort, workerData } from 'node:worker_threads';
import type { Cursor, EventFilter } from '../../domain/query.js';
import { BlockCache } from '../block-cache.js';
import { streamJsonPages } from '../paginate.js';
import { openConnection } from './sqlite-connection.js';
import { SqliteReads, statementBuilder } from './sqlite-reads.js';
import { cursorAfterRow, planList } from './sqlite-search.js';

export interface ExportThreadData {
  path: string;
  org: string;
  filter: EventFilter;
  /** Where the export goes on: the cursor after the page the main thread read itself. */
  after: Cursor;
  /** Pages sent before the main thread has taken any: the most that wait in memory. */
  ahead: number;
}

/** From the thread: a page of events as JSON text, the end, or why it stopped. */
export type ExportThreadMessage =
  | { kind: 'page'; events: string[] }
  | { kind: 'done' }
  | { kind: 'failed'; message: string };

/**
 * Rows per page. With pages this small and a young generation of 8 MiB (see sqlite-store.ts) a
 * page's rows die young: the thread's heap held 22 MiB over a 1,000,000-row export, against 28
 * to 58 MiB with pages of 1,000 rows, and the server's RSS rose by 38 and 39 MiB during the
 * export instead of 61 to 85. A scan reads each page once, so a small page cache does.
 */
const PAGE_ROWS = 250;

/**
 * Reads the events of one export past its first page on its own thread and connection, a page
 * at a time, while the main thread formats and sends the page before. Reading the rows was a
 * third of an export's time on the main thread. A page is sent once the main thread has taken
 * one of the `ahead` before it, so memory stays flat. Pages are read one statement each, as the list reads them:
 * no snapshot is held for the export's length, which would keep the WAL from being
 * checkpointed meanwhile.
 */
const data = workerData as ExportThreadData;
const port = parentPort!;
const db = openConnection(data.path, { cacheMiB: 2, role: 'reader' });
const reads = new SqliteReads(db);
const builder = statementBuilder();
// A search's blocks are read once per export and kept for its length, within this budget.
const blocks = new BlockCache(16 * 1024 * 1024);

let credit = data.ahead;
let wake: (() => void) | undefined;
port.on('message', () => {
  credit += 1;
  wake?.();
});

async function* pages(): AsyncIterable<string[]> {
  const pk = reads.orgPk(data.org);
  if (pk === undefined) return;
  yield* streamJsonPages(
    (query) => planList(builder, pk, query, (q) => reads.rows(q), blocks),
    cursorAfterRow,
    data.filter,
    data.after,
    PAGE_ROWS,
  );
}

function send(message: ExportThreadMessage): void {
  port.postMessage(message);
}

try {
  for await (const events of pages()) {
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit -= 1;
    send({ kind: 'page', events });
  }
  send({ kind: 'done' });
} catch (error) {
  send({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
} finally {
  db.close();
  // Nothing keeps the thread alive past its last message.
  port.removeAllListeners('message');
  port.unref();
}
