import type { StoredEvent } from './event.js';

/**
 * The canonical body text (RFC 8785, `seq` included, the chain fields left out) an event was
 * read from, kept beside the parsed event by the stores. Writing the event out again (a native
 * stream) then costs a concatenation instead of a canonicalisation of what the store already
 * holds in that form. Nothing changes an event after it is read, so the text stays its own.
 */
const bodyTexts = new WeakMap<StoredEvent, string>();

export function rememberBodyText(event: StoredEvent, text: string): void {
  bodyTexts.set(event, text);
}

/** The text `event` was read from, when a store read it. */
export function bodyTextOf(event: StoredEvent): string | undefined {
  return bodyTexts.get(event);
}
