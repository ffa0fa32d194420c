import { ApiError } from '../api/client.js';

/** A problem's field issues by field name (`/retention_days` → `retention_days`). */
export function issuesByField(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const issue of error.problem.errors ?? []) {
    const name = issue.path.split('/').filter(Boolean).pop();
    if (name && !out[name]) out[name] = issue.message;
  }
  return out;
}
