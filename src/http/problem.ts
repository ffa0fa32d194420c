import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldIssue, STATUS_BY_CODE, TITLE_BY_CODE } from '../domain/errors.js';
import type { StoreAvailability } from '../store/unavailable.js';
import { discardRestOfBody } from './discard-body.js';

export const PROBLEM_TYPE_BASE = 'https://trailmark.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldIssue[];
}

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  const body: Problem = {
    type: PROBLEM_TYPE_BASE + error.code,
    title: TITLE_BY_CODE[error.code],
    status: STATUS_BY_CODE[error.code],
    detail: error.message,
  };
  if (error.errors) body.errors = error.errors;
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  return reply.code(body.status).type('application/problem+json').send(body);
}

/** Fastify's own errors (body parsing, schema validation, limits) mapped onto AppError. */
function fromFastifyError(error: FastifyError): AppError | undefined {
  if (error.validation) {
    const where = error.validationContext ?? 'body';
    const errors = error.validation.map((v) => {
      const params = v.params as Record<string, unknown>;
      let path = `${where === 'body' ? '' : `/${where}`}${v.instancePath}`.replace(/\/$/, '') || '/';
      if (where === 'querystring') path = `/query${v.instancePath}`;
      if (v.keyword === 'required') path = `${path === '/' ? '' : path}/${String(params.missingProperty)}`;
      if (v.keyword === 'additionalProperties')
        path = `${path === '/' ? '' : path}/${String(params.additionalProperty)}`;
      return { path, message: v.message ?? 'is invalid' };
    });
    return new AppError('validation', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'the request body is larger than this route accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('bad_request', 'send JSON with Content-Type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('validation', 'the body is empty', {
        errors: [{ path: '/', message: 'is required' }],
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('bad_request', 'Content-Length does not match the body');
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AppError('validation', `the body is not valid JSON: ${error.message}`, {
      errors: [{ path: '/', message: 'is not valid JSON' }],
    });
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError(error.statusCode === 415 ? 'bad_request' : 'bad_request', error.message);
  }
  return undefined;
}

/**
 * The AppError an error stands for: one of ours, one of Fastify's (body parsing, schema
 * validation, limits) or a database outage; undefined for a fault of the server's own.
 */
export function knownError(error: FastifyError, availability?: StoreAvailability): AppError | undefined {
  return error instanceof AppError ? error : (fromFastifyError(error) ?? availability?.refusal(error));
}

/**
 * @param availability tells an outage of the database (503 with Retry-After, one log line when
 *   it starts) from a fault of the server's own (a logged 500)
 */
export function installProblemHandlers(app: FastifyInstance, availability?: StoreAvailability): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Fastify closes the connection after a 413; reading the rest of the body first lets a
    // client that is still sending it read the answer (see discard-body.ts).
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && discardRestOfBody(request.raw)) {
      reply.removeHeader('connection');
    }
    const known = knownError(error, availability);
    if (known) return sendProblem(reply, known);
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .code(500)
      .type('application/problem+json')
      .send({
        type: `${PROBLEM_TYPE_BASE}internal`,
        title: 'Internal server error',
        status: 500,
        detail: 'The server could not complete the request; it has been logged.',
      });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new AppError('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}

/**
 * Errors the router raises before any route runs (a path that is not valid percent-encoding, a
 * path parameter over the router's length limit): problem+json like every other error.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const detail =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'a path segment is longer than any identifier this API accepts'
      : 'the URL is not valid: a path segment is not valid percent-encoding';
  sendProblem(reply, new AppError('bad_request', detail));
}

/**
 * Requests Node's HTTP parser refuses (headers or URL over its size limit, malformed HTTP) never
 * reach Fastify; answer them with problem+json on the socket, as Fastify's default does in JSON.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const status = tooLarge ? 431 : timeout ? 408 : 400;
  const title = tooLarge ? 'Request header fields too large' : timeout ? 'Request timeout' : 'Bad request';
  const detail = tooLarge
    ? 'the URL and headers together exceed the size this server accepts'
    : timeout
      ? 'the request was not received in time'
      : 'the request is not valid HTTP';
  const body = JSON.stringify({ type: `${PROBLEM_TYPE_BASE}client_error`, title, status, detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
