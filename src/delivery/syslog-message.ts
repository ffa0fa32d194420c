import type { OutboundRecord } from './record.js';

/**
 * RFC 5424 syslog messages and RFC 6587 octet-counted frames, pure. A message is
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] BOM MSG`, where the structured data
 * element is a private one, `trailmark@<private enterprise number>`, naming the event.
 */

export interface SyslogMessageConfig {
  /** HOSTNAME: this server's name as the receiver should show it. */
  hostname: string;
  appName?: string;
  procId?: string;
  /** 0 to 23; 13 is "log audit". */
  facility?: number;
  /** The SD-ID's private enterprise number; 32473 is the one RFC 5612 reserves for documentation. */
  enterpriseNumber?: number;
}

export const DOCUMENTATION_PEN = 32473;
export const LOG_AUDIT_FACILITY = 13;

/** RFC 5424 §6: the header fields' maximum lengths. */
export const HEADER_LIMITS = { hostname: 255, appName: 48, procId: 128, msgId: 32 } as const;

const BOM = '\uFEFF';

/**
 * A header field: PRINTUSASCII only (33 to 126; anything else becomes `_`), cut to its limit,
 * and the NILVALUE `-` when empty.
 */
export function headerField(value: string | undefined, maxLength: number): string {
  if (!value) return '-';
  return value.replace(/[^\x21-\x7e]/g, '_').slice(0, maxLength);
}

/** RFC 5424 §6.3.3: inside a PARAM-VALUE, `"`, `\` and `]` are escaped with a backslash. */
export function sdParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** Severity from the outcome: informational (6) for a success, warning (4) for a failure. */
export function syslogSeverity(record: Pick<OutboundRecord, 'status'>): number {
  return record.status === 'failure' ? 4 : 6;
}

export function syslogMessage(record: OutboundRecord, config: SyslogMessageConfig): string {
  const facility = config.facility ?? LOG_AUDIT_FACILITY;
  if (!Number.isInteger(facility) || facility < 0 || facility > 23) throw new Error('facility is 0 to 23');
  const pen = config.enterpriseNumber ?? DOCUMENTATION_PEN;
  if (!Number.isInteger(pen) || pen < 1) throw new Error('the enterprise number is a positive integer');
  const pri = facility * 8 + syslogSeverity(record);
  const header = [
    `<${pri}>1`,
    new Date(record.occurredAt).toISOString(),
    headerField(config.hostname, HEADER_LIMITS.hostname),
    headerField(config.appName ?? 'trailmark', HEADER_LIMITS.appName),
    headerField(config.procId, HEADER_LIMITS.procId),
    headerField(record.action, HEADER_LIMITS.msgId),
  ].join(' ');
  const params: Array<[string, string]> = [
    ['id', record.id],
    ['org', record.org],
    ['seq', String(record.seq)],
    ['action', record.action],
    ['status', record.status],
  ];
  const sd = `[trailmark@${pen}${params.map(([name, value]) => ` ${name}="${sdParamValue(value)}"`).join('')}]`;
  return `${header} ${sd} ${BOM}${record.text}`;
}

/** RFC 6587 §3.4.1 octet counting: the message's length in bytes, a space, the message. */
export function octetCountedFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
