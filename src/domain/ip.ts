import { isIPv6 } from 'node:net';

/**
 * One spelling per IP address, so that filtering by IP finds an event however the client wrote
 * the address (2001:DB8:0::7 and 2001:db8::7 are one address): IPv6 lowercased and compressed
 * as RFC 5952 (and the WHATWG URL parser) write it; IPv4 and any other text unchanged. Applied
 * to the indexed column at ingest and to the `ip` filter; the event itself keeps what was sent.
 */
export function canonicalIp(text: string): string {
  if (!isIPv6(text)) return text;
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return text.toLowerCase();
  }
}
