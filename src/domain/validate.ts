import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import {
  EventBatchSchema,
  type EventInput,
  EventInputSchema,
  MAX_EVENTS_PER_REQUEST,
  MAX_FUTURE_MS,
  MAX_METADATA_BYTES,
  MAX_REQUEST_DATA_BYTES,
} from '../contracts/event-schema.js';
import { AppError, type FieldIssue, validationError } from './errors.js';

// ajv-formats is published as CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const ajv = addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: false }));
const validateOne: ValidateFunction = ajv.compile(EventInputSchema);
const validateBatch: ValidateFunction = ajv.compile(EventBatchSchema);

const MAX_ISSUES = 100;

function toIssue(error: ErrorObject, prefix: string): FieldIssue {
  let path = prefix + error.instancePath;
  const params = error.params as Record<string, unknown>;
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'required') {
    path += `/${String(params.missingProperty)}`;
    message = 'is required';
  } else if (error.keyword === 'additionalProperties') {
    path += `/${String(params.additionalProperty)}`;
    message = 'is not a known field';
  } else if (error.keyword === 'anyOf' && path.endsWith('/context/ip')) {
    message = 'must be an IPv4 or IPv6 address';
  } else if (error.keyword === 'pattern' && path.endsWith('/actor/email')) {
    message = 'must be an email address';
  } else if (error.keyword === 'pattern' && path.endsWith('/action')) {
    message = 'must be 2 to 6 dot-separated segments of lowercase letters, digits and _';
  }
  return { path: path || '/', message };
}

/** Ajv reports one error per failed branch of a union; keep one line per field. */
function collect(errors: ErrorObject[] | null | undefined, prefix: string): FieldIssue[] {
  const seen = new Map<string, FieldIssue>();
  for (const error of errors ?? []) {
    if (error.keyword === 'const' || error.keyword === 'format') {
      const issue = toIssue(error, prefix);
      if (!seen.has(issue.path)) {
        const params = error.params as Record<string, unknown>;
        const allowed =
          error.keyword === 'const' ? `must be one of the allowed values` : `must be ${params.format}`;
        seen.set(issue.path, { path: issue.path, message: allowed });
      }
      continue;
    }
    const issue = toIssue(error, prefix);
    if (!seen.has(issue.path)) seen.set(issue.path, issue);
    if (seen.size >= MAX_ISSUES) break;
  }
  return [...seen.values()];
}

/** Nesting levels below the event object; bounds the recursion of hashing, redaction and storage. */
export const MAX_DEPTH = 32;
/** Keys of free-form maps (metadata, request data). */
export const MAX_KEY_LENGTH = 256;

/** Why a string cannot be stored as given: NUL is refused by PostgreSQL text, lone surrogates are not Unicode. */
function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL characters';
  if (!text.isWellFormed()) return 'must be valid Unicode text (no unpaired surrogates)';
  return undefined;
}

function pointerToken(key: string | number): string {
  return typeof key === 'number' ? String(key) : key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The JSON Pointer of the value being checked, built only when there is something to report. */
function pointer(prefix: string, trail: Array<string | number>): string {
  return prefix + trail.map((token) => `/${pointerToken(token)}`).join('');
}

/**
 * Rules for every value, including inside free-form maps the schema cannot see into: strings and
 * keys must be storable text, numbers finite (JSON's 1e999 parses to Infinity), nesting bounded.
 * Runs on every ingested value, so the path is a stack of tokens, joined only for an issue.
 */
function valueIssues(
  value: unknown,
  prefix: string,
  trail: Array<string | number>,
  issues: FieldIssue[],
): void {
  if (issues.length >= MAX_ISSUES) return;
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) issues.push({ path: pointer(prefix, trail), message: problem });
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      issues.push({ path: pointer(prefix, trail), message: 'must be a finite number' });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (trail.length >= MAX_DEPTH) {
    issues.push({
      path: pointer(prefix, trail),
      message: `must not be nested more than ${MAX_DEPTH} levels deep`,
    });
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      trail.push(i);
      valueIssues(value[i], prefix, trail, issues);
      trail.pop();
    }
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const keyProblem =
      key.length > MAX_KEY_LENGTH
        ? `keys must be at most ${MAX_KEY_LENGTH} characters`
        : textProblem(key)?.replace(/^must/, 'keys must');
    if (keyProblem) {
      issues.push({ path: pointer(prefix, trail) || '/', message: keyProblem });
      continue;
    }
    trail.push(key);
    valueIssues(record[key], prefix, trail, issues);
    trail.pop();
  }
}

/**
 * An upper bound of the UTF-8 size of `value` as JSON, without serialising it: each UTF-16 unit
 * of a string is at most 6 bytes (as a \uXXXX escape). Exact sizes are computed only when the
 * bound exceeds a limit, which keeps the check off the ingest profile.
 */
function jsonBytesBound(value: unknown): number {
  if (typeof value === 'string') return value.length * 6 + 2;
  if (value === null || typeof value !== 'object') return 24;
  let size = 2;
  if (Array.isArray(value)) {
    for (const item of value) size += jsonBytesBound(item) + 1;
    return size;
  }
  for (const key in value)
    size += key.length * 6 + 4 + jsonBytesBound((value as Record<string, unknown>)[key]);
  return size;
}

function jsonBytes(value: unknown, limit: number): number {
  if (value === undefined) return 0;
  const bound = jsonBytesBound(value);
  return bound <= limit ? bound : Buffer.byteLength(JSON.stringify(value));
}

/** Rules JSON Schema cannot express: sizes of free-form maps and the future bound on time. */
function semanticIssues(event: EventInput, prefix: string, now: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (event.occurred_at !== undefined) {
    const at = Date.parse(event.occurred_at);
    if (Number.isNaN(at))
      issues.push({ path: `${prefix}/occurred_at`, message: 'must be an ISO 8601 date-time' });
    else if (at > now + MAX_FUTURE_MS)
      issues.push({ path: `${prefix}/occurred_at`, message: 'must be at most 5 minutes in the future' });
    else if (at < 0) issues.push({ path: `${prefix}/occurred_at`, message: 'must be after 1970-01-01' });
  }
  if (jsonBytes(event.metadata, MAX_METADATA_BYTES) > MAX_METADATA_BYTES)
    issues.push({
      path: `${prefix}/metadata`,
      message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON`,
    });
  const request = event.request;
  if (request) {
    const parts = [request.query, request.params, request.body, request.headers];
    let size = parts.reduce<number>((sum, part) => sum + jsonBytesBound(part ?? null), 0);
    if (size > MAX_REQUEST_DATA_BYTES)
      size = parts.reduce<number>((sum, part) => sum + jsonBytes(part, 0), 0);
    if (size > MAX_REQUEST_DATA_BYTES)
      issues.push({
        path: `${prefix}/request`,
        message: `query, params, body and headers must total at most ${MAX_REQUEST_DATA_BYTES} bytes as JSON`,
      });
  }
  return issues;
}

/**
 * Validates an ingest body: one event, or `{"events": [...]}`. Returns the events, or throws a
 * validation error listing every bad field; a batch with one bad event is rejected whole.
 */
export function parseIngestBody(body: unknown, now = Date.now()): EventInput[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationError([{ path: '/', message: 'must be an event object or {"events": [...]}' }]);
  }
  const isBatch = 'events' in body;
  if (isBatch) {
    const events = (body as { events: unknown }).events;
    if (Array.isArray(events) && events.length > MAX_EVENTS_PER_REQUEST) {
      throw new AppError('payload_too_large', `at most ${MAX_EVENTS_PER_REQUEST} events per request`, {
        errors: [{ path: '/events', message: `must hold at most ${MAX_EVENTS_PER_REQUEST} events` }],
      });
    }
  }
  const validate = isBatch ? validateBatch : validateOne;
  if (!validate(body)) throw validationError(collect(validate.errors, ''));
  const events = isBatch ? (body as { events: EventInput[] }).events : [body as EventInput];
  const issues: FieldIssue[] = [];
  events.forEach((event, i) => {
    const prefix = isBatch ? `/events/${i}` : '';
    const own: FieldIssue[] = [];
    valueIssues(event, prefix, [], own);
    // Sizes are measured only on values that passed the walk (bounded depth, finite numbers).
    issues.push(...(own.length ? own : semanticIssues(event, prefix, now)));
  });
  if (issues.length > 0) throw validationError(issues.slice(0, MAX_ISSUES));
  return events;
}
