import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { installCompatErrors, sendRetracedError, sendWorkosError } from './compat-errors.js';
import type { AppContext } from './context.js';
import { type DashboardOptions, dashboardRoutes } from './dashboard.js';
import { installJsonBodyParser } from './json-body.js';
import { clientErrorHandler, frameworkErrors, installProblemHandlers } from './problem.js';
import { alertChannelRoutes } from './routes/alert-channels.js';
import { alertRuleRoutes } from './routes/alert-rules.js';
import { alertRoutes } from './routes/alerts.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { authRoutes } from './routes/auth.js';
import { chainRoutes } from './routes/chain.js';
import { deploymentKeyRoutes } from './routes/deployment-keys.js';
import { eventRoutes } from './routes/events.js';
import { exportRoutes } from './routes/export.js';
import { healthRoutes } from './routes/health.js';
import { memberRoutes } from './routes/members.js';
import { orgRoutes } from './routes/orgs.js';
import { acceptRetracedAuthorization, retracedRoutes } from './routes/retraced.js';
import { roleRoutes } from './routes/roles.js';
import { streamRoutes } from './routes/streams.js';
import { viewerTokenRoutes } from './routes/viewer-tokens.js';
import { workosRoutes } from './routes/workos.js';
import { workosExportRoutes } from './routes/workos-exports.js';
import { workosSchemaRoutes } from './routes/workos-schemas.js';

export interface AppOptions {
  logger: Logger | boolean;
  /** Behind a proxy that sets X-Forwarded-For. */
  trustProxy?: boolean;
  /** The web dashboard; served at `/` unless false. */
  dashboard?: DashboardOptions | false;
}

export async function buildApp(ctx: AppContext, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: typeof options.logger === 'boolean' ? undefined : options.logger,
    logger: typeof options.logger === 'boolean' ? options.logger : undefined,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: 1024 * 1024,
    // Client event ids are up to 128 characters; the router's default limit is 100.
    routerOptions: { maxParamLength: 256 },
    frameworkErrors,
    clientErrorHandler,
    ajv: { customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false } },
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  // The time from the request's arrival to the start of its answer, in ms: what tells a slow
  // request apart from time spent outside the server (the network, the client, a busy machine).
  // A callback hook: every response passes here, ingest's included, and it need not be a promise.
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('server-timing', `app;dur=${reply.elapsedTime.toFixed(2)}`);
    done(null, payload);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Trailmark API', version: '1' },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'an API key (tmk_) or a viewer token (tmv_)',
          },
          session: { type: 'apiKey', in: 'cookie', name: 'tm_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  await app.register(cookie);
  installProblemHandlers(app, ctx.availability);
  installJsonBodyParser(app);

  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  healthRoutes(app, ctx);
  authRoutes(api, ctx);
  orgRoutes(api, ctx);
  memberRoutes(api, ctx);
  roleRoutes(api, ctx);
  apiKeyRoutes(api, ctx);
  deploymentKeyRoutes(api, ctx);
  viewerTokenRoutes(api, ctx);
  eventRoutes(api, ctx);
  exportRoutes(api, ctx);
  chainRoutes(api, ctx);
  streamRoutes(api, ctx);
  alertRoutes(api, ctx);
  alertRuleRoutes(api, ctx);
  alertChannelRoutes(api, ctx);
  // The compatible APIs render errors as their official clients read them, in scopes of their own.
  await app.register(async (scope) => {
    installCompatErrors(scope, sendWorkosError, ctx.availability);
    const workos = scope.withTypeProvider<TypeBoxTypeProvider>();
    workosRoutes(workos, ctx);
    workosExportRoutes(workos, ctx);
    workosSchemaRoutes(workos, ctx);
  });
  for (const prefix of ['/auditlog', '']) {
    await app.register(
      async (scope) => {
        installCompatErrors(scope, sendRetracedError, ctx.availability);
        acceptRetracedAuthorization(scope);
        retracedRoutes(scope.withTypeProvider<TypeBoxTypeProvider>(), ctx);
      },
      { prefix },
    );
  }
  if (options.dashboard !== false) {
    await dashboardRoutes(app, options.dashboard ?? { embedFrameAncestors: '*' });
  }

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
