import type { StoredEvent } from '../../domain/event.js';
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
}

export function streamFormat(name: StreamFormatName, options: { productVersion: string }): StreamFormat {
  switch (name) {
    case 'native':
      return { name, json: true, format: nativeJson };
    case 'ocsf':
      return { name, json: true, format: (event) => ocsfJson(event, options) };
    case 'cef':
      return { name, json: false, format: (event) => cefLine(event, options) };
  }
}
