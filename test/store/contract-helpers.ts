import { randomBytes } from 'node:crypto';
import type { EventInput, PendingEvent } from '../../src/domain/event.js';
import { NO_ENRICHMENT, prepareEvent } from '../../src/domain/prepare-event.js';
import type { AppendedEvent, AuditStore } from '../../src/store/store.js';

/** What the contract suites (store-contract.ts, integrity-contract.ts) share. */

/** A migrated store over a fresh, empty database, with a way around it to the database itself. */
export interface StoreHarness {
  store: AuditStore;
  /** Runs one SQL statement directly on the database, bypassing the store; throws what it throws. */
  execRaw(statement: string): Promise<void>;
  /** Closes the store and removes the database. */
  close(): Promise<void>;
}

export const BASE = Date.UTC(2025, 5, 1);

export function uid(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export function pending(
  org: string,
  fields: Partial<EventInput> = {},
  receivedAt = new Date(BASE),
): PendingEvent {
  const input: EventInput = {
    action: 'thing.done',
    actor: { type: 'user', id: 'user1' },
    occurred_at: new Date(BASE).toISOString(),
    ...fields,
  };
  return prepareEvent(input, org, receivedAt, NO_ENRICHMENT);
}

export async function createOrg(store: AuditStore, name = 'Org'): Promise<string> {
  const id = uid('org');
  await store.transaction((tx) => tx.createOrg({ id, name }));
  return id;
}

export async function append(
  store: AuditStore,
  org: string,
  events: PendingEvent[],
): Promise<AppendedEvent[]> {
  const [outcome] = await store.appendBatches([{ org, events }]);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.events;
}
