import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { AppError, type FieldIssue, validationError } from '../domain/errors.js';
import { firstInvalidUtf8, numberIssues, parsedValueIssues, pointerAt } from '../domain/json-text.js';

/**
 * The JSON body parser of every route. Fastify's own decodes invalid UTF-8 as U+FFFD and parses
 * numbers to the nearest float, so a body could be stored other than it was sent; this one
 * refuses such a body with 400 naming the field (src/domain/json-text.ts), and names a
 * `__proto__` key instead of calling the body "not valid JSON".
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

function notJson(error: unknown): AppError {
  const reason = error instanceof Error ? error.message : String(error);
  return new AppError('validation', `the body is not valid JSON: ${reason}`, {
    errors: [{ path: '/', message: 'is not valid JSON' }],
  });
}

function invalidUtf8(bytes: Buffer): AppError {
  const at = Math.max(0, firstInvalidUtf8(bytes));
  const text = bytes.toString('utf8');
  const offset = bytes.subarray(0, at).toString('utf8').length;
  const { pointer, inKey } = pointerAt(text, offset);
  return validationError(
    [{ path: pointer, message: inKey ? 'keys must be valid UTF-8' : 'must be valid UTF-8' }],
    `the body is not valid UTF-8 (byte ${at}); nothing was stored`,
  );
}

export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) {
    throw new AppError('validation', 'the body is empty', {
      errors: [{ path: '/', message: 'is required' }],
    });
  }
  if (!isUtf8(bytes)) throw invalidUtf8(bytes);
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw notJson(error);
  }
  const issues: FieldIssue[] = [...numberIssues(text), ...parsedValueIssues(text, value)];
  if (issues.length > 0) throw validationError(issues);
  return value;
}
