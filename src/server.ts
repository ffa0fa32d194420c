import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import type { Config } from './config.js';
import { createMailer } from './delivery/mailer.js';
import { newId } from './domain/ids.js';
import type { Enricher } from './domain/prepare-event.js';
import type { ApiKeyScope } from './domain/principal.js';
import { createEnricher } from './enrich/enricher.js';
import { buildApp } from './http/app.js';
import type { AppContext } from './http/context.js';
import { Authenticator, type IdentitySettings } from './identity/authenticator.js';
import { IngestQueue } from './ingest/ingest-queue.js';
import { RecentHashes } from './integrity/recent-hashes.js';
import { consumerMetricsOf, createMetrics, ingestMetricsOf } from './metrics.js';
import { createApiKey, registerDeploymentKey } from './operations/api-keys.js';
import type { ChangeHooks } from './operations/audited.js';
import { ensureFirstOwner } from './operations/first-owner.js';
import { LogViews } from './operations/log-views.js';
import { Logins } from './operations/sign-in.js';
import { openStore } from './store/open-store.js';
import type { AppendedEvent, AuditStore } from './store/store.js';
import { StoreAvailability } from './store/unavailable.js';
import { createAlertServices } from './workers/alerts/alert-services.js';
import { createBackgroundServices } from './workers/background-services.js';

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  /** Stops taking requests, commits what was accepted, closes the store. */
  close(): Promise<void>;
}

/** Identity's settings as plain values: identity does not read the configuration itself. */
function identitySettings(config: Config): IdentitySettings {
  return {
    sessionIdleMs: config.sessionIdleMinutes * 60_000,
    sessionMaxMs: config.sessionMaxHours * 3_600_000,
    loginMaxFailuresPerIp: config.loginMaxFailuresPerIp,
    loginMaxFailuresPerAccount: config.loginMaxFailuresPerAccount,
    loginWindowMs: config.loginWindowMinutes * 60_000,
    publicUrl: config.publicUrl,
    smtpUrl: config.smtpUrl,
    smtpFrom: config.smtpFrom,
  };
}

const DEPLOYMENT_ADMIN_SCOPES: ApiKeyScope[] = ['admin', 'events:write', 'events:read'];

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
  const deps = { store, enricher, now: () => new Date() };
  if (config.adminKey) {
    await registerDeploymentKey(deps, config.adminKey, {
      name: 'Deployment admin (TRAILMARK_ADMIN_KEY)',
      scopes: DEPLOYMENT_ADMIN_SCOPES,
    });
    return;
  }
  if (await store.hasDeploymentKey()) return;
  const { secret } = await createApiKey(
    deps,
    null,
    { name: 'Deployment admin', scopes: DEPLOYMENT_ADMIN_SCOPES },
    { principal: null, origin: {} },
  );
  log.warn('generated the deployment admin key; it is shown only now');
  process.stdout.write(`\n  Deployment admin key (shown once, store it now): ${secret}\n\n`);
}

/**
 * Stops taking connections and waits for the answers in flight, for `graceMs` at most: a client
 * that stops reading an answer keeps its connection busy until the client goes away, which
 * would hold a shutdown with it. Then it closes what is left: every event acknowledged is
 * committed already, and a request cut off got no answer, so its client sends it again (events
 * with their own ids come back as duplicates if the commit went through).
 */
async function closeHttp(app: FastifyInstance, graceMs: number): Promise<void> {
  const cutOff = setTimeout(() => {
    app.server.getConnections((_error, open) => {
      app.log.warn(
        { connections: open, graceMs },
        'shutdown: closing connections still busy after the grace period',
      );
      app.server.closeAllConnections();
    });
  }, graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(cutOff);
  }
}

export interface ServerOptions {
  /** The clock, for tests. */
  now?: () => Date;
  /** Test hooks inside Trailmark's own transactions. */
  hooks?: ChangeHooks;
  /**
   * When the store has no users yet, create the first owner and print its credentials with
   * this function (`trailmark serve` does; tests start without).
   */
  firstOwner?: (text: string) => void;
  /** false: the checkpointer and the retention job run only when called (tests). */
  backgroundJobs?: boolean;
  /** false: alert rules and detectors do not run in this process (tests that count events). */
  alerts?: boolean;
}

export async function startServer(config: Config, overrides: ServerOptions = {}): Promise<RunningServer> {
  const logger = pino({ level: config.logLevel, base: { service: 'trailmark' } });
  const store = await openStore(config.databaseUrl, {
    maxCommitEvents: config.maxCommitEvents,
    searchCacheMiB: config.searchCacheMiB,
  });
  await store.migrate();
  for (const warning of await store.configurationWarnings()) logger.warn(warning);
  const enricher = createEnricher(config.geoipDir ? { geoDir: config.geoipDir } : {});
  const metrics = createMetrics({ searchCacheBytes: () => store.searchCacheBytes() });
  // Only a process that signs checkpoints keeps the hashes its commits made, for its signer.
  const recentHashes = config.checkpointer ? new RecentHashes() : undefined;
  const availability = new StoreAvailability(({ available, reason }) => {
    if (available) logger.warn({ reason }, 'database available again: taking writes');
    else logger.error({ reason }, 'database unavailable: answering 503 with Retry-After until it recovers');
  });
  const queue = new IngestQueue(store, ingestMetricsOf(metrics), {
    maxQueuedEvents: config.maxQueuedEvents,
    maxCommitEvents: config.maxCommitEvents,
    onCommitted: (org: string, events: AppendedEvent[]) => {
      availability.wrote();
      recentHashes?.add(org, events);
      // Assigned below, before the server listens: nothing commits earlier.
      background?.consumers.notify();
    },
  });
  const now = overrides.now ?? (() => new Date());
  let background: Awaited<ReturnType<typeof createBackgroundServices>> | undefined;
  background = await createBackgroundServices(
    store,
    {
      secret: config.secret,
      checkpointer: config.checkpointer,
      checkpointEveryEvents: config.checkpointEveryEvents,
      checkpointMaxAgeMs: config.checkpointMaxAgeMs,
      checkpointIntervalMs: Math.min(1000, config.checkpointMaxAgeMs / 4),
      retentionIntervalMs: config.retentionIntervalMs,
    },
    {
      log: logger,
      enricher,
      now,
      ...(recentHashes ? { recentHashes } : {}),
      outcomes: { succeeded: () => availability.wrote(), failed: (e) => !!availability.refusal(e) },
      consumerMetrics: consumerMetricsOf(metrics),
    },
  );
  const settings = identitySettings(config);
  const auth = new Authenticator(store, now, settings);
  const changeDeps = {
    store,
    enricher,
    now,
    afterChange: () => auth.forgetKeys(),
    ...(overrides.hooks ? { hooks: overrides.hooks } : {}),
  };
  const mailer = createMailer({ smtpUrl: settings.smtpUrl, from: settings.smtpFrom, log: logger });
  const alerting = createAlertServices({
    deps: changeDeps,
    consumers: background.consumers,
    log: logger,
    holder: newId('proc'),
    notify: { mailer, publicUrl: config.publicUrl },
    detect: config.alerts && overrides.alerts !== false,
  });
  const onError = (error: unknown) => logger.error({ err: error }, 'could not record a failed sign-in');
  const ctx: AppContext = {
    ...changeDeps,
    availability,
    queue,
    metrics,
    auth,
    logins: new Logins(changeDeps, settings, onError),
    mailer,
    alerting,
    views: new LogViews(changeDeps),
    background,
    verify: { threads: config.verifyThreads, minPartEvents: config.verifyPartMinEvents },
  };
  await ensureAdminKey(store, enricher, config, logger);
  if (overrides.firstOwner) await ensureFirstOwner(changeDeps, config.ownerEmail, overrides.firstOwner);
  const app = await buildApp(ctx, {
    logger,
    trustProxy: config.trustProxy,
    dashboard: { embedFrameAncestors: config.embedFrameAncestors },
  });
  const address = await app.listen({ port: config.port, host: config.host });
  if (overrides.backgroundJobs !== false) {
    background.start();
    alerting.start();
  }
  const shown = address.replace('://0.0.0.0', '://localhost').replace('://[::]', '://localhost');
  let closing: Promise<void> | undefined;
  return {
    app,
    ctx,
    url: shown,
    close: () => {
      closing ??= (async () => {
        await closeHttp(app, config.shutdownGraceMs);
        await alerting.stop();
        await background.stop();
        await queue.drain();
        await ctx.logins.settled();
        ctx.mailer.close();
        await store.close();
      })();
      return closing;
    },
  };
}
