import type { StoredEvent } from '../../domain/event.js';
import { eventKind } from '../../domain/event.js';

/**
 * Events as ArcSight Common Event Format (CEF) version 0 lines:
 * `CEF:0|Trailmark|Trailmark|<version>|<action>|<name>|<severity>|<extensions>`.
 * CEF has a fixed dictionary of extension keys and six custom string slots, so it carries less
 * than the event: `metadata`, the request's maps and the enrichments stay out (the native and
 * OCSF formats keep them). The keys used are listed in docs/streams.md.
 */

/** Header fields: a backslash and a pipe are escaped; a line break has no place in a header. */
export function cefHeaderEscape(value: string): string {
  if (!HEADER_SPECIAL.test(value)) return value;
  return value.replace(/[\\|]/g, (c) => `\\${c}`).replace(/\r\n|[\r\n]/g, ' ');
}

const HEADER_SPECIAL = /[\\|\r\n]/;

/** Extension values: backslash, equals sign and line breaks are escaped (pipes need not be). */
export function cefExtensionEscape(value: string): string {
  if (!EXTENSION_SPECIAL.test(value)) return value;
  return value.replace(/[\\=\r\n]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return `\\${c}`;
  });
}

const EXTENSION_SPECIAL = /[\\=\r\n]/;

/** CEF severity, 0 to 10: Low (0-3) for a success, Medium (4-6) for a failure. */
export function cefSeverity(event: Pick<StoredEvent, 'status'>): number {
  return event.status === 'failure' ? 5 : 1;
}

export interface CefOptions {
  /** Trailmark's version: the header's Device Version. */
  productVersion: string;
}

/** ` key=value`, the value escaped, or nothing when it is undefined. */
function extension(key: string, value: string | number | undefined): string {
  if (value === undefined) return '';
  return key + cefExtensionEscape(typeof value === 'string' ? value : String(value));
}

/** A custom slot's ` key=value` and its label's ` key=label`, or nothing when the value is undefined. */
function custom(key: string, value: string | undefined, label: string): string {
  return value === undefined ? '' : extension(key, value) + label;
}

let headerVersion: string | undefined;
let headerStart = '';

/** The header up to the Signature ID, kept for the next event (a stream's version is fixed). */
function headerOf(version: string): string {
  if (version !== headerVersion) {
    headerStart = `CEF:0|Trailmark|Trailmark|${cefHeaderEscape(version)}|`;
    headerVersion = version;
  }
  return headerStart;
}

/**
 * One line per event. Written as one concatenation, each key with its separator and each custom
 * slot's label as constants: a stream writes every event of an org.
 */
export function cefLine(event: StoredEvent, options: CefOptions): string {
  const request = event.request;
  const actor = event.actor;
  const context = event.context;
  const resource = event.resource;
  return (
    headerOf(options.productVersion) +
    cefHeaderEscape(event.action) +
    '|' +
    cefHeaderEscape(event.description ?? event.action) +
    '|' +
    cefSeverity(event) +
    '|rt=' +
    Date.parse(event.occurred_at) +
    ' art=' +
    Date.parse(event.received_at) +
    extension(' externalId=', event.id) +
    extension(' act=', event.action) +
    ' cat=' +
    eventKind(event) +
    extension(' outcome=', event.status) +
    extension(' suid=', actor.id) +
    extension(' suser=', actor.name ?? actor.email ?? actor.id) +
    extension(' src=', context?.ip) +
    extension(' requestClientApplication=', context?.user_agent) +
    extension(' requestMethod=', request?.method) +
    extension(' request=', request?.path) +
    extension(' msg=', event.description) +
    extension(' cn1=', event.seq) +
    ' cn1Label=seq' +
    (request ? `${extension(' cn2=', request.status_code)} cn2Label=httpStatus` : '') +
    (request?.duration_ms !== undefined
      ? `${extension(' cfp1=', request.duration_ms)} cfp1Label=durationMs`
      : '') +
    custom(' cs1=', actor.email, ' cs1Label=actorEmail') +
    custom(' cs2=', resource?.type, ' cs2Label=resourceType') +
    custom(' cs3=', resource?.id, ' cs3Label=resourceId') +
    custom(' cs4=', resource?.name, ' cs4Label=resourceName') +
    custom(' cs5=', event.org, ' cs5Label=org') +
    custom(' cs6=', event.hash, ' cs6Label=hash') +
    extension(' flexString1=', actor.type) +
    ' flexString1Label=actorType' +
    custom(' flexString2=', event.workspace, ' flexString2Label=workspace')
  );
}
