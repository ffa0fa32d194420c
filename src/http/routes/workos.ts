import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { IDEMPOTENCY_WINDOW_MS, idempotentEventId, parseWorkosEvent } from '../../compat/workos/event.js';
import { MAX_REQUEST_BYTES } from '../../contracts/event-schema.js';
import { AppError } from '../../domain/errors.js';
import { prepareEvent } from '../../domain/prepare-event.js';
import { parseIngestBody } from '../../domain/validate.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { ingestAccess } from '../ingest-access.js';

/**
 * The WorkOS Audit Logs API at the server's root, as the official `@workos-inc/node` client
 * calls it (COMPAT-WIRE.md §1): `organization_id` is a Trailmark org id and the key a Trailmark
 * API key. Errors are rendered by sendWorkosError (compat-errors.ts), installed on this scope.
 */

const MAX_IDEMPOTENCY_KEY = 256;
/** Generations of one key looked at before giving up (one per 24 hours the key was reused). */
const MAX_GENERATIONS = 64;

function idempotencyKey(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > MAX_IDEMPOTENCY_KEY) {
    throw new AppError(
      'bad_request',
      `Idempotency-Key must be one header of at most ${MAX_IDEMPOTENCY_KEY} characters`,
      {
        errors: [{ path: '/headers/idempotency-key', message: 'is invalid' }],
      },
    );
  }
  return value;
}

/**
 * The id of the event an Idempotency-Key names: the same for every attempt within 24 hours of
 * the first, a new one afterwards (the key's earlier event stays).
 */
async function eventIdForKey(ctx: AppContext, org: string, key: string, nowMs: number): Promise<string> {
  for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
    const id = idempotentEventId(org, key, generation);
    const earlier = await ctx.store.getEvent(org, id);
    if (!earlier || nowMs - Date.parse(earlier.received_at) < IDEMPOTENCY_WINDOW_MS) return id;
  }
  throw new AppError('conflict', 'this Idempotency-Key has been used too many times; use a new one');
}

export function workosRoutes(app: TypeBoxApp, ctx: AppContext): void {
  app.post(
    '/audit_logs/events',
    {
      bodyLimit: MAX_REQUEST_BYTES,
      schema: {
        tags: ['workos'],
        summary: 'WorkOS-compatible: record one event (Idempotency-Key deduplicated for 24 hours)',
        body: Type.Object({ organization_id: Type.String(), event: Type.Object({}) }),
        response: { 201: Type.Object({ success: Type.Boolean() }) },
      },
      // WorkOS's rules are checked by parseWorkosEvent, which names every bad field at once.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const now = ctx.now();
      const { organizationId, input } = parseWorkosEvent(request.body);
      const access = await ingestAccess(request, ctx, organizationId);
      const key = idempotencyKey(request);
      const id = key === undefined ? undefined : await eventIdForKey(ctx, access.org, key, now.getTime());
      // Trailmark's own rules (sizes, time bounds) on the mapped event.
      const [event] = parseIngestBody(id === undefined ? input : { ...input, id }, now.getTime());
      try {
        await ctx.queue.submit(access.org, [prepareEvent(event!, access.org, now, ctx.enricher)]);
      } catch (error) {
        if (error instanceof AppError && error.code === 'conflict') {
          throw new AppError(
            'conflict',
            'this Idempotency-Key was already used with a different request body',
          );
        }
        throw error;
      }
      return reply.code(201).send({ success: true });
    },
  );
}
