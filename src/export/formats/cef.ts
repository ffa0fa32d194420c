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
  return value.replace(/[\\|]/g, (c) => `\\${c}`).replace(/\r\n|[\r\n]/g, ' ');
}

/** Extension values: backslash, equals sign and line breaks are escaped (pipes need not be). */
export function cefExtensionEscape(value: string): string {
  return value.replace(/[\\=\r\n]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return `\\${c}`;
  });
}

/** CEF severity, 0 to 10: Low (0-3) for a success, Medium (4-6) for a failure. */
export function cefSeverity(event: Pick<StoredEvent, 'status'>): number {
  return event.status === 'failure' ? 5 : 1;
}

export interface CefOptions {
  /** Trailmark's version: the header's Device Version. */
  productVersion: string;
}

type Extension = [key: string, value: string | number | undefined];

function customString(slot: number, label: string, value: string | undefined): Extension[] {
  if (value === undefined) return [];
  return [
    [`cs${slot}`, value],
    [`cs${slot}Label`, label],
  ];
}

export function cefLine(event: StoredEvent, options: CefOptions): string {
  const request = event.request;
  const header = [
    'CEF:0',
    'Trailmark',
    'Trailmark',
    cefHeaderEscape(options.productVersion),
    cefHeaderEscape(event.action),
    cefHeaderEscape(event.description ?? event.action),
    String(cefSeverity(event)),
  ].join('|');
  const extensions: Extension[] = [
    ['rt', Date.parse(event.occurred_at)],
    ['art', Date.parse(event.received_at)],
    ['externalId', event.id],
    ['act', event.action],
    ['cat', eventKind(event)],
    ['outcome', event.status],
    ['suid', event.actor.id],
    ['suser', event.actor.name ?? event.actor.email ?? event.actor.id],
    ['src', event.context?.ip],
    ['requestClientApplication', event.context?.user_agent],
    ['requestMethod', request?.method],
    ['request', request?.path],
    ['msg', event.description],
    ['cn1', event.seq],
    ['cn1Label', 'seq'],
    ...(request
      ? ([
          ['cn2', request.status_code],
          ['cn2Label', 'httpStatus'],
        ] as Extension[])
      : []),
    ...(request?.duration_ms !== undefined
      ? ([
          ['cfp1', request.duration_ms],
          ['cfp1Label', 'durationMs'],
        ] as Extension[])
      : []),
    ...customString(1, 'actorEmail', event.actor.email),
    ...customString(2, 'resourceType', event.resource?.type),
    ...customString(3, 'resourceId', event.resource?.id),
    ...customString(4, 'resourceName', event.resource?.name),
    ...customString(5, 'org', event.org),
    ...customString(6, 'hash', event.hash),
    ['flexString1', event.actor.type],
    ['flexString1Label', 'actorType'],
    ...(event.workspace === undefined
      ? []
      : ([
          ['flexString2', event.workspace],
          ['flexString2Label', 'workspace'],
        ] as Extension[])),
  ];
  let out = `${header}|`;
  let first = true;
  for (const [key, value] of extensions) {
    if (value === undefined) continue;
    out += `${first ? '' : ' '}${key}=${cefExtensionEscape(String(value))}`;
    first = false;
  }
  return out;
}
