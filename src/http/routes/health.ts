import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Readiness: the store answers' } },
    async (request, reply) => {
      try {
        await ctx.store.ping();
        return { status: 'ready', backend: ctx.store.backend, ingest_queue: ctx.queue.depth };
      } catch (error) {
        request.log.warn({ err: error }, 'store not reachable');
        return reply.code(503).send({ status: 'unavailable', backend: ctx.store.backend });
      }
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics' } },
    async (_request, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    },
  );
}
