/** An event as kept in a spool: its id, its org (deployment keys) and its JSON as sent. */
export interface SpooledEvent {
  id: string;
  org: string | undefined;
  json: string;
}

/**
 * Durable storage for events between record() and the server's acknowledgement, so a process
 * restart loses none of them. `@trailmark/sdk/spool` provides a file-backed one for Node; the
 * core only knows this interface, so it runs where there is no file system.
 */
export interface Spool {
  /** Opens the spool; resolves to the events written earlier and never marked done, oldest first. */
  open(): Promise<SpooledEvent[]>;
  /** Resolves once the events are durable (written and synced). */
  append(events: readonly SpooledEvent[]): Promise<void>;
  /** The events are acknowledged or given up: not to be replayed. Need not be durable. */
  done(ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
