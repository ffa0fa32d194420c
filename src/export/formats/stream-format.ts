import type { StoredEvent } from '../../domain/event.js';
import { type EventTextRow, eventJsonFromRow } from '../../store/event-row.js';
import { cefLine } from './cef.js';
import { nativeJson } from './native.js';
import { ocsfJson } from './ocsf.js';

export const STREAM_FORMATS = ['native', 'ocsf', 'cef'] as const;
export type StreamFormatName = (typeof STREAM_FORMATS)[number];

/** How a stream writes each event: one line of text, without its line break. */
export interface StreamFormat {
  name: StreamFormatName;
  /** True when each line is a JSON object (native, OCSF): transports may embed it as JSON. */
  json: boolean;
  format(event: StoredEvent): string;
  /**
   * The same line for an event parsed from `row`, the text a store read: native JSON is that text
   * with the chain fields, written without looking at the event.
   */
  formatRead(event: StoredEvent, row: EventTextRow): string;
}

export function streamFormat(name: StreamFormatName, options: { productVersion: string }): StreamFormat {
  switch (name) {
    case 'native':
      return { name, json: true, format: nativeJson, formatRead: (_event, row) => eventJsonFromRow(row) };
    case 'ocsf': {
      const format = (event: StoredEvent) => ocsfJson(event, options);
      return { name, json: true, format, formatRead: format };
    }
    case 'cef': {
      const format = (event: StoredEvent) => cefLine(event, options);
      return { name, json: false, format, formatRead: format };
    }
  }
}
