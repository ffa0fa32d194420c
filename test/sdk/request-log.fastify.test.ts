import Fastify, { type FastifyRequest } from 'fastify';
import { requestLog } from '../../sdk/src/fastify.js';
import { runRequestLogCases } from './request-log.cases.js';

/** The request-log cases against a real Fastify 5 app, with the routes under an /api prefix. */
runRequestLogCases<FastifyRequest>({
  name: 'Fastify',
  headers: (req) => req.headers,
  start: async (options) => {
    const app = Fastify();
    await app.register(requestLog, options);
    await app.register(
      async (api) => {
        api.get('/users/:id', async (request) => ({ id: (request.params as { id: string }).id }));
        api.post('/login', async (request, reply) =>
          reply.code(401).send({ error: 'bad credentials', got: Object.keys(request.body as object).length }),
        );
      },
      { prefix: '/api' },
    );
    app.get('/healthz', async () => 'ok');
    app.get('/internal/metrics', async () => 'metrics');
    app.get('/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      return 'late';
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
});
