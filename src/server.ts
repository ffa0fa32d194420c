import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import type { Config } from './config.js';
import type { Enricher } from './domain/prepare-event.js';
import { createEnricher } from './enrich/enricher.js';
import { buildApp } from './http/app.js';
import type { AppContext } from './http/context.js';
import { IngestQueue } from './ingest/ingest-queue.js';
import { createMetrics } from './metrics.js';
import { API_KEY_PREFIX, createApiKey, hashApiKey } from './operations/create-api-key.js';
import { openStore } from './store/open-store.js';
import type { AuditStore } from './store/store.js';

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  /** Stops taking requests, commits what was accepted, closes the store. */
  close(): Promise<void>;
}

/**
 * The deployment admin key: TRAILMARK_ADMIN_KEY when set (registered by its hash), otherwise one
 * generated on the first start and printed once.
 */
async function ensureAdminKey(
  store: AuditStore,
  enricher: Enricher,
  config: Config,
  log: Logger,
): Promise<void> {
  if (config.adminKey) {
    if (!(await store.findApiKeyByHash(hashApiKey(config.adminKey)))) {
      await store.transaction((tx) =>
        tx.createApiKey({
          id: `key_admin_${hashApiKey(config.adminKey!).slice(0, 12)}`,
          org: null,
          name: 'Deployment admin (TRAILMARK_ADMIN_KEY)',
          prefix: config.adminKey!.slice(0, API_KEY_PREFIX.length + 5),
          last4: config.adminKey!.slice(-4),
          scopes: ['admin', 'events:write', 'events:read'],
          key_hash: hashApiKey(config.adminKey!),
          created_at: new Date().toISOString(),
          created_by: null,
          expires_at: null,
        }),
      );
    }
    return;
  }
  if (await store.hasDeploymentKey()) return;
  const { secret } = await createApiKey(
    store,
    enricher,
    null,
    { name: 'Deployment admin', scopes: ['admin', 'events:write', 'events:read'] },
    null,
    {},
  );
  log.warn('generated the deployment admin key; it is shown only now');
  process.stdout.write(`\n  Deployment admin key (shown once, store it now): ${secret}\n\n`);
}

export async function startServer(
  config: Config,
  overrides: { now?: () => Date } = {},
): Promise<RunningServer> {
  const logger = pino({ level: config.logLevel, base: { service: 'trailmark' } });
  const store = await openStore(config.databaseUrl);
  await store.migrate();
  const enricher = createEnricher(config.geoipDir ? { geoDir: config.geoipDir } : {});
  const metrics = createMetrics();
  const queue = new IngestQueue(store, metrics, {
    maxQueuedEvents: config.maxQueuedEvents,
    maxCommitEvents: config.maxCommitEvents,
  });
  const ctx: AppContext = { store, queue, enricher, metrics, now: overrides.now ?? (() => new Date()) };
  await ensureAdminKey(store, enricher, config, logger);
  const app = await buildApp(ctx, { logger, dashboard: { embedFrameAncestors: config.embedFrameAncestors } });
  const address = await app.listen({ port: config.port, host: config.host });
  const shown = address.replace('://0.0.0.0', '://localhost').replace('://[::]', '://localhost');
  let closing: Promise<void> | undefined;
  return {
    app,
    ctx,
    url: shown,
    close: () => {
      closing ??= (async () => {
        await app.close();
        await queue.drain();
        await store.close();
      })();
      return closing;
    },
  };
}
