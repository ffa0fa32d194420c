import type { StoredEvent } from '../../domain/event.js';
import { canonicalIp } from '../../domain/ip.js';
import type { EventView } from './types.js';

/**
 * Which API key an event was made with, as a group key: the actor's id when the actor is an API
 * key (`key:<id>`, exact), else the request block's last four characters (`last4:<a1b2>`, what
 * customers' request logs carry). Events with neither have no key.
 */
export function apiKeyGroup(event: StoredEvent): string | undefined {
  if (event.actor.type === 'api_key') return `key:${event.actor.id}`;
  const last4 = event.request?.api_key_last4;
  return last4 ? `last4:${last4}` : undefined;
}

export function actorLabel(event: StoredEvent): string {
  return event.actor.email ?? event.actor.name ?? event.actor.id;
}

const UNSET = Symbol('unset');
const HOUR_MS = 3_600_000;

/** Whether two stored times (toISOString's form: `2026-03-02T09:41:07.512Z`) fall in one UTC hour. */
function sameHour(a: string, b: string): boolean {
  if (a.length !== 24 || b.length !== 24 || a.charCodeAt(23) !== 90 || b.charCodeAt(23) !== 90) return false;
  for (let i = 0; i < 13; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

/** An EventView that works each derived value out on first use. */
export class LazyEventView implements EventView {
  private timeValue = Number.NaN;
  private liveValue: boolean | undefined;
  private ipValue: string | undefined | typeof UNSET = UNSET;
  private apiKeyValue: string | undefined | typeof UNSET = UNSET;

  constructor(
    readonly event: StoredEvent,
    private readonly maxLatenessMs: number,
  ) {}

  get time(): number {
    if (Number.isNaN(this.timeValue)) this.timeValue = Date.parse(this.event.occurred_at);
    return this.timeValue;
  }

  get live(): boolean {
    if (this.liveValue === undefined) {
      const { occurred_at: occurred, received_at: received } = this.event;
      // Received within the hour it occurred: live, without reading the times.
      this.liveValue =
        (this.maxLatenessMs >= HOUR_MS && sameHour(occurred, received)) ||
        Date.parse(received) - this.time <= this.maxLatenessMs;
    }
    return this.liveValue;
  }

  get ip(): string | undefined {
    if (this.ipValue === UNSET) {
      const ip = this.event.context?.ip;
      // Only an IPv6 address has another spelling; isIPv6 is a long regular expression.
      this.ipValue = ip === undefined || !ip.includes(':') ? ip : canonicalIp(ip);
    }
    return this.ipValue;
  }

  get apiKey(): string | undefined {
    if (this.apiKeyValue === UNSET) this.apiKeyValue = apiKeyGroup(this.event);
    return this.apiKeyValue;
  }

  get actorLabel(): string {
    return actorLabel(this.event);
  }
}
