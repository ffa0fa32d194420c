import type { StoredEvent } from '../domain/event.js';
import { CSV_COLUMNS, csvCell, csvRow, neutraliseCell } from './csv.js';

/**
 * An exported event's CSV line read straight from its stored JSON text, without parsing the
 * event into objects. Parsing took two thirds of a CSV export's time (an event is about 1.4 KB of
 * JSON, and 23 of its values become cells); this walks the text once, notes where each wanted
 * value starts and ends, and slices those. Strings without escapes are cut out as they stand;
 * the few with escapes, and any text this walk does not expect (whitespace, say), go through
 * JSON.parse, so the result is the same either way.
 */

type Column = (typeof CSV_COLUMNS)[number];

/**
 * The members of one object that hold cells: each name with its column, or with the members of
 * the object it holds. Names are matched in place (length, then characters): slicing each member
 * name out to look it up cost more than the rest of the walk.
 */
interface Members {
  names: string[];
  targets: (number | Members)[];
}

function members(entries: Record<string, Column | Members>): Members {
  const names = Object.keys(entries);
  const targets = names.map((name) => {
    const target = entries[name]!;
    return typeof target === 'string' ? CSV_COLUMNS.indexOf(target) : target;
  });
  return { names, targets };
}

/** The target of the member name between `from` and `to`, if it is one of `wanted`. */
function targetOf(wanted: Members, text: string, from: number, to: number): number | Members | undefined {
  const { names } = wanted;
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    if (name.length === to - from && text.startsWith(name, from)) return wanted.targets[k];
  }
  return undefined;
}

/** Where each column's value lives in a stored event (see csvRow, which reads the same fields). */
const EVENT = members({
  occurred_at: 'timestamp',
  action: 'action',
  status: 'status',
  actor: members({ type: 'actor_type', id: 'actor_id', name: 'actor_name', email: 'actor_email' }),
  resource: members({ type: 'resource_type', id: 'resource_id', name: 'resource_name' }),
  workspace: 'workspace',
  description: 'description',
  context: members({ ip: 'ip', location: members({ country: 'country' }), user_agent: 'user_agent' }),
  request: members({
    method: 'method',
    path: 'path',
    status_code: 'status_code',
    duration_ms: 'duration_ms',
  }),
  metadata: 'metadata',
  id: 'id',
  seq: 'seq',
  hash: 'hash',
});

const METADATA = CSV_COLUMNS.indexOf('metadata');
const QUOTE = 34;
const BACKSLASH = 92;

/** The index just after the string that opens at `at`, or -1. */
function stringEnd(text: string, at: number): number {
  let close = at;
  for (;;) {
    close = text.indexOf('"', close + 1);
    if (close < 0) return -1;
    let slashes = 0;
    while (text.charCodeAt(close - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return close + 1;
  }
}

/** The index just after the value that starts at `at` (any JSON value), or -1. */
function valueEnd(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return stringEnd(text, at);
  if (first === 123 || first === 91) {
    let depth = 0;
    for (let i = at; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        i = stringEnd(text, i) - 1;
        if (i < 0) return -1;
      } else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: runs to the next delimiter.
  let i = at;
  for (
    let c = text.charCodeAt(i);
    i < text.length && c !== 44 && c !== 125 && c !== 93;
    c = text.charCodeAt(++i)
  );
  return i > at ? i : -1;
}

/**
 * Walks the object that opens at `at`, recording the spans of the values `wanted` names in
 * `starts`/`ends`. Returns the index after the object, or -1 for text this walk does not expect.
 */
function walkObject(text: string, at: number, wanted: Members, starts: Int32Array, ends: Int32Array): number {
  if (text.charCodeAt(at) !== 123) return -1;
  let i = at + 1;
  if (text.charCodeAt(i) === 125) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return -1;
    const nameEnd = stringEnd(text, i);
    if (nameEnd < 0 || text.charCodeAt(nameEnd) !== 58) return -1;
    const target = targetOf(wanted, text, i + 1, nameEnd - 1);
    const start = nameEnd + 1;
    const end =
      typeof target === 'object' && text.charCodeAt(start) === 123
        ? walkObject(text, start, target, starts, ends)
        : valueEnd(text, start);
    if (end < 0) return -1;
    if (typeof target === 'number') {
      starts[target] = start;
      ends[target] = end;
    }
    const next = text.charCodeAt(end);
    if (next === 125) return end + 1;
    if (next !== 44) return -1;
    i = end + 1;
  }
}

const starts = new Int32Array(CSV_COLUMNS.length);
const ends = new Int32Array(CSV_COLUMNS.length);

/** One cell from the value text between `start` and `end`, as csvRow would write the value. */
function cellOf(json: string, start: number, end: number, column: number): string {
  const first = json.charCodeAt(start);
  if (first !== QUOTE) {
    // Numbers are written as they stand, like csvRow's; `metadata` is JSON text and quoted.
    if (first === 123 || first === 91) return csvCell(json.slice(start, end));
    return first === 110 && column !== METADATA ? '' : json.slice(start, end);
  }
  const raw = json.slice(start + 1, end - 1);
  if (raw.includes('\\')) return csvCell(JSON.parse(json.slice(start, end)) as string);
  // Unescaped JSON string text holds no quote, tab or line break: only a comma needs quotes.
  const text = neutraliseCell(raw);
  return raw.includes(',') ? `"${text}"` : text;
}

/** The CSV line of one event given as JSON text; same columns and cells as csvRow. */
export function csvRowFromJson(json: string): string {
  starts.fill(-1);
  if (walkObject(json, 0, EVENT, starts, ends) !== json.length) {
    return csvRow(JSON.parse(json) as StoredEvent);
  }
  let line = '';
  for (let column = 0; column < CSV_COLUMNS.length; column++) {
    if (column > 0) line += ',';
    const start = starts[column]!;
    if (start >= 0) line += cellOf(json, start, ends[column]!, column);
  }
  return line;
}
