import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Mailer } from '../delivery/mailer.js';
import type { Enricher } from '../domain/prepare-event.js';
import type { Authenticator } from '../identity/authenticator.js';
import type { IngestQueue } from '../ingest/ingest-queue.js';
import type { Metrics } from '../metrics.js';
import type { ChangeHooks } from '../operations/audited.js';
import type { LogViews } from '../operations/log-views.js';
import type { Logins } from '../operations/sign-in.js';
import type { AuditStore } from '../store/store.js';
import type { StoreAvailability } from '../store/unavailable.js';
import type { AlertServices } from '../workers/alerts/alert-services.js';
import type { BackgroundServices } from '../workers/background-services.js';
import type { VerifyOptions } from '../workers/chain-verification.js';

/** What every route module is given; routes reach the database only through `store`. */
export interface AppContext {
  store: AuditStore;
  /** Whether the database takes writes; turns database outages into 503s and /readyz's answer. */
  availability: StoreAvailability;
  queue: IngestQueue;
  enricher: Enricher;
  metrics: Metrics;
  /** Signing keys and the background jobs: checkpointer and retention purge. */
  background: BackgroundServices;
  /** The clock, replaceable in tests. */
  now: () => Date;
  /** Checks credentials (keys, viewer tokens, sessions). */
  auth: Authenticator;
  /** Sign-in with its rate limits. */
  logins: Logins;
  /** Sends invitations (SMTP, or the log when none is configured). */
  mailer: Mailer;
  /** The alerts consumer and the notifier that sends alerts to channels. */
  alerting: AlertServices;
  /** Records `audit_log.viewed`, at most once per principal per window. */
  views: LogViews;
  /** How POST /v1/chain/verify splits long chains into parts walked at once. */
  verify: VerifyOptions;
  /** Test hooks; absent in production. */
  hooks?: ChangeHooks;
}

/**
 * The app as route modules see it: each route's `request.body`, `params` and `query` take their
 * types from the TypeBox schemas that validate them, so a route states its contract once.
 */
export type TypeBoxApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
