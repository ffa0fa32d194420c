import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RequestFacts, type RequestLogOptions, RequestRecorder } from './request-log.js';

export type { RequestFacts, RequestLogOptions } from './request-log.js';

/**
 * What the middleware reads of an Express request: Express's own `Request` fits (4.x and 5.x),
 * so this package needs neither Express nor its types.
 */
export interface ExpressRequestLike extends IncomingMessage {
  originalUrl?: string;
  baseUrl?: string;
  route?: { path?: unknown };
  params?: unknown;
  query?: unknown;
  body?: unknown;
}

export type ExpressMiddleware = (
  req: ExpressRequestLike,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Request-log middleware for Express: `app.use(requestLog({ client: trailmark }))`, before the
 * routes. Each request is recorded once its response has finished (or the client went away),
 * so recording never delays a response; record() itself only queues.
 */
export function requestLog(options: RequestLogOptions<ExpressRequestLike>): ExpressMiddleware {
  const recorder = new RequestRecorder(options);
  return (req, res, next) => {
    const url = req.originalUrl ?? req.url ?? '/';
    if (!recorder.wants(url)) return next();
    const started = performance.now();
    let recorded = false;
    const finish = (aborted: boolean) => {
      if (recorded) return;
      recorded = true;
      const facts: RequestFacts = {
        method: req.method ?? 'GET',
        url,
        route: routePattern(req),
        statusCode: res.statusCode,
        durationMs: performance.now() - started,
        headers: req.headers,
        remoteAddress: req.socket?.remoteAddress,
        query: req.query,
        params: req.params,
        body: req.body,
        aborted,
      };
      void recorder.record(req, facts);
    };
    res.once('finish', () => finish(false));
    // 'close' follows 'finish' on a complete response; alone, the client left first.
    res.once('close', () => finish(!res.writableFinished));
    next();
  };
}

/** The matched route with the path its router is mounted at (`/api` + `/users/:id`). */
function routePattern(req: ExpressRequestLike): string | undefined {
  const path = req.route?.path;
  if (typeof path !== 'string') return undefined;
  return `${req.baseUrl ?? ''}${path}` || '/';
}
