import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Readiness: the store answers and takes writes' } },
    async (request, reply) => {
      const { availability, store } = ctx;
      // Once a write failed because the database was unavailable, only a write proves it is back
      // (on a full disk reads still succeed); until then a read is enough.
      const probeWrite = availability.unavailable !== undefined;
      let answered = false;
      try {
        await store.ping({ write: probeWrite });
        if (probeWrite) availability.wrote();
        answered = true;
      } catch (error) {
        // An outage is logged once, when it starts (StoreAvailability); anything else here.
        if (!availability.refusal(error)) request.log.warn({ err: error }, 'store not reachable');
      }
      // After an outage, writes must also have stopped failing a while (StoreAvailability).
      if (answered && availability.unavailable === undefined) {
        return { status: 'ready', backend: store.backend, ingest_queue: ctx.queue.depth };
      }
      return reply.code(503).send({ status: 'unavailable', backend: store.backend });
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
