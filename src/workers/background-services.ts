import type { Logger } from 'pino';
import { newId } from '../domain/ids.js';
import type { Enricher } from '../domain/prepare-event.js';
import type { RecentHashes } from '../integrity/recent-hashes.js';
import { setStreamStatus } from '../operations/streams.js';
import type { AuditStore } from '../store/store.js';
import { Checkpointer } from './checkpointer.js';
import type { ConsumerMetrics } from './consumers/log-consumer.js';
import { LogConsumers } from './consumers/log-consumers.js';
import { PartitionJob } from './partitions.js';
import type { JobOptions, JobOutcomes } from './periodic-job.js';
import { RetentionJob } from './retention.js';
import { SigningKeys } from './signing-keys.js';
import { StreamDeliveries } from './streams/stream-deliveries.js';

/** The partition job runs a few times a day: months are created three ahead. */
const PARTITION_INTERVAL_MS = 6 * 60 * 60 * 1000;

export interface BackgroundConfig {
  secret: string | undefined;
  /** False: this process signs no checkpoints (another one on the same database does). */
  checkpointer?: boolean;
  checkpointEveryEvents: number;
  checkpointMaxAgeMs: number;
  /** How often the checkpointer looks for unsigned events. */
  checkpointIntervalMs: number;
  retentionIntervalMs: number;
  /** How often idle log consumers look for new events (ingest also wakes them). */
  consumerPollMs?: number;
}

/** Signing keys and the background jobs (checkpointer, retention purge), started with the server. */
export interface BackgroundServices {
  keys: SigningKeys;
  checkpointer: Checkpointer;
  retention: RetentionJob;
  partitions: PartitionJob;
  /** The log consumers (alerts, streams) register here. */
  consumers: LogConsumers;
  /** One delivery consumer per active stream. */
  streams: StreamDeliveries;
  /** Starts the jobs' timers (the server does; tests may drive the jobs by hand instead). */
  start(): void;
  stop(): Promise<void>;
}

export async function createBackgroundServices(
  store: AuditStore,
  config: BackgroundConfig,
  deps: {
    log: Logger;
    enricher: Enricher;
    now: () => Date;
    recentHashes?: RecentHashes;
    /** Told how each background run ended. */
    outcomes?: JobOutcomes;
    consumerMetrics?: ConsumerMetrics;
  },
): Promise<BackgroundServices> {
  const keys = new SigningKeys(store, config.secret, deps.now);
  const { unencrypted } = await keys.ensure();
  if (unencrypted) {
    deps.log.warn(
      'TRAILMARK_SECRET is not set: the checkpoint signing key is stored unencrypted in the database',
    );
  }
  const holder = newId('proc');
  // What every periodic job of this process is given; each adds its interval and its own needs.
  const job = (intervalMs: number): JobOptions => ({
    store,
    log: deps.log,
    holder,
    intervalMs,
    ...(deps.outcomes ? { outcomes: deps.outcomes } : {}),
  });
  const checkpointer = new Checkpointer({
    ...job(config.checkpointIntervalMs),
    keys,
    now: deps.now,
    everyEvents: config.checkpointEveryEvents,
    maxAgeMs: config.checkpointMaxAgeMs,
    ...(deps.recentHashes ? { recent: deps.recentHashes } : {}),
  });
  const retention = new RetentionJob({
    ...job(config.retentionIntervalMs),
    enricher: deps.enricher,
    now: deps.now,
  });
  const partitions = new PartitionJob({ ...job(PARTITION_INTERVAL_MS), now: deps.now });
  const consumers = new LogConsumers({
    store,
    log: deps.log,
    holder,
    ...(config.consumerPollMs ? { pollMs: config.consumerPollMs } : {}),
    ...(deps.consumerMetrics ? { metrics: deps.consumerMetrics } : {}),
  });
  const streams = new StreamDeliveries({
    store,
    consumers,
    log: deps.log,
    pause: async (stream, reason) => {
      await setStreamStatus(
        { store, enricher: deps.enricher, now: deps.now },
        stream.org,
        stream.id,
        'paused',
        reason,
        {
          principal: null,
          origin: {},
        },
      );
      await streams.sync();
    },
  });
  return {
    keys,
    checkpointer,
    retention,
    partitions,
    consumers,
    streams,
    start() {
      if (config.checkpointer !== false) checkpointer.start();
      retention.start();
      if (store.backend === 'postgres') partitions.start();
      streams.start();
      consumers.start();
    },
    async stop() {
      await streams.stop();
      await Promise.all([checkpointer.stop(), retention.stop(), partitions.stop(), consumers.stop()]);
    },
  };
}
