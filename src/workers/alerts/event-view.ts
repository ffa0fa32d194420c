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

/** An EventView that works each derived value out on first use. */
export class LazyEventView implements EventView {
  private timeValue = Number.NaN;
  private liveValue: boolean | undefined;
  private ipValue: string | undefined | typeof UNSET = UNSET;

  constructor(
    readonly event: StoredEvent,
    private readonly maxLatenessMs: number,
  ) {}

  get time(): number {
    if (Number.isNaN(this.timeValue)) this.timeValue = Date.parse(this.event.occurred_at);
    return this.timeValue;
  }

  get live(): boolean {
    this.liveValue ??= Date.parse(this.event.received_at) - this.time <= this.maxLatenessMs;
    return this.liveValue;
  }

  get ip(): string | undefined {
    if (this.ipValue === UNSET) {
      const ip = this.event.context?.ip;
      this.ipValue = ip === undefined ? undefined : canonicalIp(ip);
    }
    return this.ipValue;
  }

  get apiKey(): string | undefined {
    return apiKeyGroup(this.event);
  }

  get actorLabel(): string {
    return actorLabel(this.event);
  }
}
