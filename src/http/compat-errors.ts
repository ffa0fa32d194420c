import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { AppError } from '../domain/errors.js';
import type { StoreAvailability } from '../store/unavailable.js';
import { knownError } from './problem.js';

/**
 * Errors in the shapes the official WorkOS and Retraced clients read (COMPAT-WIRE.md 1.5, 2.1),
 * for the routes that speak their protocols. Each is installed on an encapsulated Fastify scope,
 * so the rest of the API keeps problem+json.
 */

/** WorkOS's snake_case codes, by Trailmark error code. */
const WORKOS_CODES: Record<AppError['code'], string> = {
  validation: 'invalid_request_parameters',
  bad_request: 'bad_request',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  not_found: 'entity_not_found',
  conflict: 'conflict',
  payload_too_large: 'payload_too_large',
  rate_limited: 'rate_limit_exceeded',
  unavailable: 'service_unavailable',
};

/** A JSON Pointer (`/event/actor/id`) as WorkOS names a field (`event.actor.id`). */
function fieldName(path: string): string {
  return (
    path
      .split('/')
      .slice(1)
      .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
      .join('.') || 'body'
  );
}

/**
 * JSON with `message` and `code`, never an `error` member (the SDK would take it for an OAuth
 * error). Invalid input is 422 with `errors: [{code, field, message}]`, WorkOS's validation form.
 */
export function sendWorkosError(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  const body: Record<string, unknown> = { message: error.message, code: WORKOS_CODES[error.code] };
  let status = error.status;
  if (error.code === 'validation') {
    status = 422;
    // The SDK's exception message lists the errors' codes and nothing else: each code says
    // which field and what is wrong with it, so the thrown message is enough to fix the call.
    body.errors = (error.errors ?? [{ path: '/', message: error.message }]).map((e) => ({
      code: `${fieldName(e.path)}: ${e.message}`,
      field: fieldName(e.path),
    }));
  } else if (error.code === 'bad_request') {
    body.errors = (error.errors ?? []).map((e) => ({ field: fieldName(e.path), message: e.message }));
  }
  return reply.code(status).type('application/json').send(body);
}

/** Retraced's error form: `{status, type: "Error", error}`. */
export function sendRetracedError(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  const body: Record<string, unknown> = { status: error.status, type: 'Error', error: error.message };
  if (error.errors) body.invalid = error.errors;
  return reply.code(error.status).type('application/json').send(body);
}

/** Installs `send` as the scope's error handler; unknown faults are a logged 500 that says nothing. */
export function installCompatErrors(
  scope: FastifyInstance,
  send: (reply: FastifyReply, error: AppError) => FastifyReply,
  availability?: StoreAvailability,
): void {
  scope.setErrorHandler((error: FastifyError, request, reply) => {
    const known = knownError(error, availability);
    if (known) return send(reply, known);
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).type('application/json').send({ message: 'Internal server error', status: 500 });
  });
}
