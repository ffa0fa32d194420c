import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { IngestMetrics } from './ingest/ingest-queue.js';
import type { ConsumerMetrics } from './workers/consumers/log-consumer.js';

/** What the metrics read from the rest of the server when scraped. */
export interface MetricSources {
  searchCacheBytes?: () => number;
}

/** One registry per server instance, so tests can run several servers in one process. */
export function createMetrics(sources: MetricSources = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'trailmark_' });
  const { searchCacheBytes } = sources;
  return {
    registry,
    searchCache: new Gauge({
      name: 'trailmark_search_cache_bytes',
      help: 'Memory of the search index cache (TRAILMARK_SEARCH_CACHE_MIB bounds it)',
      registers: [registry],
      collect() {
        if (searchCacheBytes) this.set(searchCacheBytes());
      },
    }),
    eventsIngested: new Counter({
      name: 'trailmark_events_ingested_total',
      help: 'Events stored (duplicates of stored client ids are not counted)',
      registers: [registry],
    }),
    ingestRejected: new Counter({
      name: 'trailmark_ingest_rejected_total',
      help: 'Ingest requests refused, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    commitBatchEvents: new Histogram({
      name: 'trailmark_commit_batch_events',
      help: 'Events per group of requests handed to the store (SQLite joins groups queued behind a commit)',
      buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000],
      registers: [registry],
    }),
    commitSeconds: new Histogram({
      name: 'trailmark_commit_seconds',
      help: 'Time from handing a group of requests to the store until its commit is durable (fsync included)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'trailmark_ingest_queue_events',
      help: 'Events waiting for the next group commit',
      registers: [registry],
    }),
    exportedRows: new Counter({
      name: 'trailmark_exported_rows_total',
      help: 'Rows written by exports',
      labelNames: ['format'] as const,
      registers: [registry],
    }),
    consumerLagEvents: new Gauge({
      name: 'trailmark_consumer_lag_events',
      help: 'Events appended that a log consumer has not handled yet, over the orgs it reads',
      labelNames: ['consumer'] as const,
      registers: [registry],
    }),
    consumerLagSeconds: new Gauge({
      name: 'trailmark_consumer_lag_seconds',
      help: 'Age of the oldest event a log consumer has not handled yet (0 when caught up)',
      labelNames: ['consumer'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The ingest queue's reports, counted in `metrics`. */
export function ingestMetricsOf(metrics: Metrics): IngestMetrics {
  return {
    rejected: (reason) => metrics.ingestRejected.inc({ reason }),
    queueDepth: (events) => metrics.queueDepth.set(events),
    commitStarted: () => metrics.commitSeconds.startTimer(),
    committed: (events) => metrics.commitBatchEvents.observe(events),
    stored: (events) => metrics.eventsIngested.inc(events),
  };
}

/** The log consumers' lag, per consumer. */
export function consumerMetricsOf(metrics: Metrics): ConsumerMetrics {
  return {
    lag: (consumer, events, seconds) => {
      metrics.consumerLagEvents.set({ consumer }, events);
      metrics.consumerLagSeconds.set({ consumer }, seconds);
    },
    remove: (consumer) => {
      metrics.consumerLagEvents.remove({ consumer });
      metrics.consumerLagSeconds.remove({ consumer });
    },
  };
}
