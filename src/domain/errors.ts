/** One error type for the whole service; the HTTP layer renders it as RFC 9457 problem+json. */

export type ErrorCode =
  | 'validation'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'unavailable';

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  validation: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

export const TITLE_BY_CODE: Record<ErrorCode, string> = {
  validation: 'Invalid request',
  bad_request: 'Bad request',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  payload_too_large: 'Payload too large',
  rate_limited: 'Too many requests',
  unavailable: 'Service unavailable',
};

/** A JSON Pointer into the request (`/events/3/actor/id`, `/query/from`) and what is wrong there. */
export interface FieldIssue {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldIssue[] | undefined;
  /** Seconds, for 429 and 503. */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, detail: string, options: { errors?: FieldIssue[]; retryAfter?: number } = {}) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    this.errors = options.errors;
    this.retryAfter = options.retryAfter;
  }

  get status(): number {
    return STATUS_BY_CODE[this.code];
  }
}

/** `value`, unless there is none: then the not_found error saying that `what` was not found. */
export function found<T>(value: T | undefined, what: string): T {
  if (!value) throw new AppError('not_found', `${what} not found`);
  return value;
}

export function validationError(errors: FieldIssue[], detail?: string): AppError {
  const first = errors[0];
  return new AppError(
    'validation',
    detail ?? (first ? `${first.path}: ${first.message}` : 'Invalid request'),
    {
      errors,
    },
  );
}
