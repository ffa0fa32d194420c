import type { Enricher } from '../domain/prepare-event.js';
import type { IngestQueue } from '../ingest/ingest-queue.js';
import type { Metrics } from '../metrics.js';
import type { AuditStore } from '../store/store.js';

/** What every route module is given; routes reach the database only through `store`. */
export interface AppContext {
  store: AuditStore;
  queue: IngestQueue;
  enricher: Enricher;
  metrics: Metrics;
  /** The clock, replaceable in tests. */
  now: () => Date;
}
