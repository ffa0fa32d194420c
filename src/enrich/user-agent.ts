import UAParser from 'ua-parser-js';
import type { ClientInfo } from '../domain/event.js';

const CACHE_LIMIT = 5000;

/**
 * Browser/OS/device from a user agent (ua-parser-js 1.x, MIT). A service sees few distinct user
 * agents and parsing one costs tens of microseconds, so results are cached.
 */
export class UserAgentParser {
  private readonly cache = new Map<string, ClientInfo | undefined>();

  parse(userAgent: string): ClientInfo | undefined {
    const cached = this.cache.get(userAgent);
    if (cached !== undefined || this.cache.has(userAgent)) return cached;
    const result = new UAParser(userAgent).getResult();
    // Members in canonical (sorted) order, as the stored event holds them: canonicalisation then
    // finds the event in order and does not copy it (see prepare-event.ts).
    const info: ClientInfo = {};
    if (result.browser.name)
      info.browser = [result.browser.name, result.browser.major].filter(Boolean).join(' ');
    info.device = result.device.type ?? (result.browser.name || result.os.name ? 'desktop' : 'other');
    if (result.os.name) info.os = [result.os.name, result.os.version].filter(Boolean).join(' ');
    const value = Object.keys(info).length ? info : undefined;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(userAgent, value);
    return value;
  }
}
