import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { type RequestFacts, type RequestLogOptions, RequestRecorder } from './request-log.js';

export type { RequestFacts, RequestLogOptions } from './request-log.js';

const RECORD = Symbol('trailmark.requestLog');

/** performance.now() at the start of a request that is to be recorded. */
type Marked = FastifyRequest & { [RECORD]?: number | undefined };

/**
 * Request-log plugin for Fastify: `await app.register(requestLog, { client: trailmark })`.
 * Entries are recorded from `onResponse`, which runs after the response is sent; the plugin
 * applies to every route of the instance it is registered on (it is not encapsulated).
 */
export const requestLog: FastifyPluginCallback<RequestLogOptions<FastifyRequest>> = (
  fastify: FastifyInstance,
  options: RequestLogOptions<FastifyRequest>,
  done: (error?: Error) => void,
) => {
  const recorder = new RequestRecorder(options);
  fastify.addHook('onRequest', (request, _reply, next) => {
    if (recorder.wants(request.url)) (request as Marked)[RECORD] = performance.now();
    next();
  });
  const record = (
    request: FastifyRequest,
    statusCode: number,
    elapsed: number | undefined,
    aborted: boolean,
  ) => {
    const started = (request as Marked)[RECORD];
    if (started === undefined) return;
    (request as Marked)[RECORD] = undefined;
    const facts: RequestFacts = {
      method: request.method,
      url: request.url,
      route: request.routeOptions?.url,
      statusCode,
      durationMs: elapsed ?? performance.now() - started,
      headers: request.headers,
      remoteAddress: request.raw.socket?.remoteAddress,
      query: request.query,
      params: request.params,
      body: request.body,
      aborted,
    };
    void recorder.record(request, facts);
  };
  fastify.addHook('onResponse', (request, reply, next) => {
    record(request, reply.statusCode, reply.elapsedTime, false);
    next();
  });
  fastify.addHook('onRequestAbort', (request, next) => {
    record(request, 0, undefined, true);
    next();
  });
  done();
};

// What fastify-plugin does: the hooks apply to the whole instance, not only inside the plugin.
Object.assign(requestLog, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@trailmark/sdk/fastify',
});
