/**
 * The server's redaction rules (SPEC §2), applied before request data leaves the process, so a
 * secret is not even sent. They must stay identical to the server's (src/domain/redact.ts); the
 * root test suite runs both on the same inputs.
 */

export const REDACTED = '[REDACTED]';

const SECRET_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'x-api-key', 'proxy-authorization']);
const SECRET_NAME = /password|secret|token|api_?key|authorization|cookie/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Replaces the value of every field whose name looks secret, at any depth. Returns a copy. */
export function redactFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactFields);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = isSecretName(key) ? REDACTED : redactFields(item);
  }
  return out;
}

export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(headers)) {
    out[key] = SECRET_HEADERS.has(key.toLowerCase()) || isSecretName(key) ? REDACTED : redactFields(item);
  }
  return out;
}
