import type { StoredEvent } from '../domain/event.js';
import type { Cursor, EventFilter, EventQuery } from '../domain/query.js';
import { type EventTextRow, eventJsonFromRow } from './event-row.js';
import type { EventPage } from './store.js';

export const STREAM_CHUNK = 1000;

/**
 * Streams every match by walking the keyset cursor one chunk at a time: memory holds one chunk,
 * and the consumer's back-pressure decides when the next is read.
 */
export async function* streamByPages(
  list: (query: EventQuery) => Promise<EventPage>,
  filter: EventFilter,
): AsyncIterable<StoredEvent> {
  let cursor: Cursor | undefined;
  for (;;) {
    const page = await list({ ...filter, limit: STREAM_CHUNK, ...(cursor ? { cursor } : {}) });
    yield* page.events;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

/** Turns `limit + 1` fetched rows into a page and the cursor after it. */
export function toPage(events: StoredEvent[], limit: number): EventPage {
  if (events.length <= limit) return { events, nextCursor: null };
  const page = events.slice(0, limit);
  const last = page[page.length - 1]!;
  return { events: page, nextCursor: { occurredAt: Date.parse(last.occurred_at), seq: last.seq } };
}

/**
 * Every match as JSON text, a chunk at a time, for exports: `rows` reads `limit + 1` stored rows
 * for a query (the extra one tells whether another chunk follows) and `cursorAfter` gives the
 * cursor after a row, as the list's own cursors are made; `after` starts past such a cursor, and
 * `chunk` rows make a page.
 */
export async function* streamJsonPages<R extends EventTextRow>(
  rows: (query: EventQuery) => R[] | Promise<R[]>,
  cursorAfter: (row: R) => Cursor,
  filter: EventFilter,
  after?: Cursor,
  chunk = STREAM_CHUNK,
): AsyncIterable<string[]> {
  let cursor: Cursor | undefined = after;
  for (;;) {
    const read = await rows({ ...filter, limit: chunk, ...(cursor ? { cursor } : {}) });
    const page = read.length > chunk ? read.slice(0, chunk) : read;
    if (page.length > 0) yield page.map(eventJsonFromRow);
    if (read.length <= chunk) return;
    cursor = cursorAfter(page[page.length - 1]!);
  }
}
