import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ActionCountSchema } from '../../contracts/api.js';
import { EventBatchSchema, EventInputSchema, MAX_REQUEST_BYTES } from '../../contracts/event-schema.js';
import { AppError, found } from '../../domain/errors.js';
import type { EventInput } from '../../domain/event.js';
import { prepareEvent } from '../../domain/prepare-event.js';
import { encodeCursor } from '../../domain/query.js';
import { parseIngestBody } from '../../domain/validate.js';
import { mayHoldSomewhere } from '../../identity/access.js';
import type { AppendedEvent } from '../../store/store.js';
import { authenticate, authorize, requestedOrg, scopedQuery } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { orgScopedRoutes } from './org-scoped.js';
import { FilterQuerySchema } from './schemas.js';

/** Every event of one request must go to one org: the key's, or the one the request names. */
function batchOrg(events: EventInput[], named: string | undefined): string | undefined {
  let org = named;
  events.forEach((event, i) => {
    if (event.org === undefined) return;
    if (org !== undefined && event.org !== org) {
      throw new AppError('validation', 'all events of one request must belong to one organization', {
        errors: [{ path: `/events/${i}/org`, message: `differs from the request's organization ${org}` }],
      });
    }
    org = event.org;
  });
  return org;
}

function isBatchBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'events' in body;
}

/**
 * The store and batchOrg name fields by their place in a batch (`/events/0/id`); a request that
 * sent one event gets paths into that event (`/id`), as validation gives it.
 */
function asSingleEvent(error: unknown): unknown {
  if (!(error instanceof AppError) || !error.errors) return error;
  const errors = error.errors.map((e) => ({ ...e, path: e.path.replace(/^\/events\/0(?=\/|$)/, '') || '/' }));
  return new AppError(error.code, error.message, {
    errors,
    ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
  });
}

/**
 * Validates, authorizes and prepares a request's events and hands them to the ingest queue. It
 * returns the queue's promise rather than waiting on it, and drops the parsed body once read:
 * nothing of the request's events stays referenced while the commit runs (tens of
 * milliseconds), long enough for the garbage collector to copy and promote what is.
 */
async function submitEvents(request: FastifyRequest, ctx: AppContext): Promise<AppendedEvent[]> {
  const now = ctx.now();
  const inputs = parseIngestBody(request.body, now.getTime());
  request.body = undefined;
  const named = batchOrg(inputs, requestedOrg(request));
  const access = await authorize(request, ctx, 'writeEvents', named);
  const pending = inputs.map((input) => prepareEvent(input, access.org, now, ctx.enricher));
  return ctx.queue.submit(access.org, pending);
}

export function eventRoutes(app: TypeBoxApp, ctx: AppContext): void {
  const { store } = ctx;

  app.post(
    '/v1/events',
    {
      bodyLimit: MAX_REQUEST_BYTES,
      schema: {
        tags: ['events'],
        summary: 'Ingest one event or a batch; answered after the commit is on disk',
        body: Type.Union([EventInputSchema, EventBatchSchema]),
        response: {
          201: Type.Object({
            events: Type.Array(
              Type.Object({
                id: Type.String(),
                seq: Type.Integer(),
                hash: Type.String(),
                duplicate: Type.Boolean(),
              }),
            ),
          }),
        },
      },
      // The domain validates ingest itself: it reports paths per event and checks sizes and time.
      // The body schema only documents the route, so the handler reads the body as unknown.
      validatorCompiler: () => () => true,
      // The key is checked before the body is read: an unauthenticated client gets 401 without
      // making the server read and parse up to 5 MB. The org is resolved later, from the body.
      onRequest: async (request) => {
        const { principal } = await authenticate(request, ctx);
        if (!mayHoldSomewhere(principal, 'writeEvents')) {
          throw new AppError('forbidden', 'sending events needs an API key with the events:write scope');
        }
      },
    },
    async (request, reply) => {
      const batchBody = isBatchBody(request.body);
      try {
        const stored = await submitEvents(request, ctx);
        return reply.code(201).send({ events: stored });
      } catch (error) {
        throw batchBody ? error : asSingleEvent(error);
      }
    },
  );

  const routes = orgScopedRoutes(app, ctx, { tag: 'events', need: 'viewAuditLog' });

  routes.get(
    '/v1/events',
    { summary: 'List events, newest first, filtered', querystring: FilterQuerySchema },
    async ({ access, query: params, cause }) => {
      const query = scopedQuery(params, access, ctx.now());
      await ctx.views.viewed(access.org, access.principal, cause.origin, query);
      const page = await store.listEvents(access.org, query);
      return { data: page.events, next_cursor: page.nextCursor ? encodeCursor(page.nextCursor) : null };
    },
  );

  routes.get(
    '/v1/events/:id',
    { summary: 'One event, whole', params: Type.Object({ id: Type.String({ maxLength: 256 }) }) },
    async ({ access, params: { id }, cause }) => {
      await ctx.views.viewed(access.org, access.principal, cause.origin);
      const event = found(await store.getEvent(access.org, id, access.scope), `event ${id}`);
      return event;
    },
  );

  routes.get(
    '/v1/actions',
    {
      summary: 'Distinct actions with counts in the time range',
      querystring: FilterQuerySchema,
      response: { 200: Type.Object({ data: Type.Array(ActionCountSchema) }) },
    },
    async ({ access, query }) => ({
      data: await store.listActions(access.org, scopedQuery(query, access, ctx.now())),
    }),
  );
}
