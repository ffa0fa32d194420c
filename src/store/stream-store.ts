import type { StreamBatch, StreamFilter, StreamFormatId } from '../contracts/streams.js';

/**
 * An org's streams (SPEC §8) as stored: the destination with its secrets (they never leave the
 * server: the API answers a view without them), and what delivery last saw.
 */
export interface StreamRecord {
  id: string;
  org: string;
  name: string;
  format: StreamFormatId;
  /** `type` and that type's settings, secrets included. */
  destination: Record<string, unknown> & { type: string };
  filter: StreamFilter;
  batch: StreamBatch;
  status: 'active' | 'paused';
  paused_reason: string | null;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  failing_since: string | null;
}

export type NewStream = Omit<
  StreamRecord,
  'status' | 'paused_reason' | 'last_success_at' | 'last_error' | 'last_error_at' | 'failing_since'
>;

export type StreamChanges = Partial<
  Pick<StreamRecord, 'name' | 'format' | 'destination' | 'filter' | 'batch'>
>;

/** Reads, and what delivery notes outside any change of configuration. */
export interface StreamStore {
  list(org: string): Promise<StreamRecord[]>;
  get(org: string, id: string): Promise<StreamRecord | undefined>;
  /** Every org's streams: what the delivery runner registers. */
  all(): Promise<StreamRecord[]>;
  /** A batch went through: the failure streak (if any) ends. */
  delivered(org: string, id: string, at: string): Promise<void>;
  /** A batch failed: the error, and the start of the failure streak when it is new. */
  failed(org: string, id: string, error: string, at: string): Promise<void>;
}

/** Writes inside a change's transaction (src/operations/streams.ts). */
export interface StreamWrites {
  /**
   * Stores the stream and its delivery cursor: at the org's current head (`from: 'now'`: the
   * events that follow, starting with the change's own `stream.created`), or before the first
   * event (`'beginning'`).
   */
  create(stream: NewStream, from: 'now' | 'beginning'): Promise<void>;
  update(org: string, id: string, changes: StreamChanges, at: string): Promise<boolean>;
  /** Removes the stream and its cursor. */
  delete(org: string, id: string): Promise<boolean>;
  /** Pauses (with the reason) or resumes (the failure streak starts over). */
  setStatus(
    org: string,
    id: string,
    status: 'active' | 'paused',
    reason: string | null,
    at: string,
  ): Promise<boolean>;
}

/** The cursor name of a stream's delivery consumer. */
export function streamConsumerName(id: string): string {
  return `stream:${id}`;
}
