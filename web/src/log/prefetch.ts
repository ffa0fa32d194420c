import { ApiClient } from '../api/client.js';
import type { AuditEvent, Page } from '../api/types.js';
import { type ApiQuery, filtersToSearch, parseFilters, resolveQuery } from './filters.js';

/**
 * Opening a log page directly (a link, a reload) would otherwise wait for the bundle, then for
 * GET /v1/auth/me, then render, and only then ask for the events. When the org is already known
 * (the link's `org` or the last one chosen), the first page is requested as soon as the bundle
 * runs, in parallel with /me, and the log adopts that request if it asks for exactly the same
 * page. If the session turns out to be gone, the answer is simply never used.
 */

export const PAGE_SIZE = 50;
const MAX_AGE_MS = 10_000;

interface Prefetched {
  filterKey: string;
  queryKey: string;
  asOf: number;
  startedAt: number;
  page: Promise<Page<AuditEvent>>;
}

let prefetched: Prefetched | null = null;

const KINDS: Record<string, 'audit' | 'request'> = {
  '/settings/audit-log': 'audit',
  '/settings/api-requests': 'request',
};

export function queryKeyOf(org: string | null, query: ApiQuery): string {
  return `${org ?? ''}|${new URLSearchParams(query).toString()}`;
}

export function filterKeyOf(org: string | null, kind: string, search: string): string {
  return `${org ?? ''}|${kind}|${search}`;
}

export function startPrefetch(storedOrg: string | null): void {
  const kind = KINDS[window.location.pathname];
  if (!kind) return;
  const search = new URLSearchParams(window.location.search);
  const org = search.get('org') || storedOrg;
  if (!org) return;
  const filters = parseFilters(search);
  const asOf = Date.now();
  const query = resolveQuery(filters, kind, asOf);
  const page = new ApiClient({ kind: 'session', csrfToken: null, org }).get<Page<AuditEvent>>('/v1/events', {
    query: { ...query, limit: PAGE_SIZE },
  });
  page.catch(() => undefined);
  prefetched = {
    filterKey: filterKeyOf(org, kind, filtersToSearch(filters).toString()),
    queryKey: queryKeyOf(org, query),
    asOf,
    startedAt: asOf,
    page,
  };
}

function fresh(): Prefetched | null {
  if (prefetched && Date.now() - prefetched.startedAt > MAX_AGE_MS) prefetched = null;
  return prefetched;
}

/** The instant the prefetched page was resolved at, when it was for these filters. */
export function prefetchedAsOf(filterKey: string): number | undefined {
  const p = fresh();
  return p && p.filterKey === filterKey ? p.asOf : undefined;
}

/** The prefetched first page for exactly this query, once. */
export function takePrefetched(queryKey: string): Promise<Page<AuditEvent>> | undefined {
  const p = fresh();
  if (!p || p.queryKey !== queryKey) return undefined;
  prefetched = null;
  return p.page;
}
