import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { ApiClient } from '../api/client.js';
import type { ActionCount } from '../api/types.js';
import { EmptyState, ErrorNotice, Spinner } from '../components/ui.js';
import { formatLocal } from '../lib/time.js';
import { useAsync } from '../lib/use-async.js';
import { ChainStatusBadge } from './ChainStatus.js';
import { EventTable, type LogKind, TableSkeleton } from './EventTable.js';
import { FilterCard } from './FilterCard.js';
import {
  countActive,
  type DashboardFilter,
  DEFAULT_RANGE,
  filtersToSearch,
  type LogFilters,
  resolveQuery,
} from './filters.js';
import { filterKeyOf, prefetchedAsOf } from './prefetch.js';
import { useEventPages } from './use-event-pages.js';

/** How long after the first rows the action list is fetched when nobody asked for it sooner. */
const ACTIONS_AFTER_MS = 2500;

export type ExportAccess = { allowed: true } | { allowed: false; reason: string };

interface Props {
  api: ApiClient;
  kind: LogKind;
  filters: LogFilters;
  onFiltersChange(filters: LogFilters): void;
  /** null: no export at all (the embedded viewer). */
  exportAccess: ExportAccess | null;
  showChain?: boolean;
  /** Offer "Verify now" (POST /v1/chain/verify); the read-only viewer does not. */
  canVerify?: boolean;
}

const NOUN: Record<LogKind, [string, string]> = {
  audit: ['event', 'events'],
  request: ['request', 'requests'],
};

/**
 * One log view: the filter card, the chain status, the newest-first table over the cursor API and
 * the export of exactly what the table is showing. Used by the audit log, the API requests page
 * and the embedded viewer.
 */
export function EventLog({
  api,
  kind,
  filters,
  onFiltersChange,
  exportAccess,
  showChain = true,
  canVerify = true,
}: Props) {
  const id = useId();
  const filterKey = filtersToSearch(filters).toString();
  const [refresh, setRefresh] = useState(0);
  const [resolved, setResolved] = useState(() => ({
    key: filterKey,
    refresh,
    asOf: prefetchedAsOf(filterKeyOf(api.org, kind, filterKey)) ?? Date.now(),
  }));
  if (resolved.key !== filterKey || resolved.refresh !== refresh) {
    setResolved({ key: filterKey, refresh, asOf: Date.now() });
  }
  const { asOf } = resolved;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `filterKey` stands for `filters`
  const query = useMemo(() => resolveQuery(filters, kind, asOf), [filterKey, kind, asOf]);
  const queryString = new URLSearchParams(query).toString();
  const pages = useEventPages(api, query);

  // The action list counts every event in the window: the most expensive read this page makes,
  // and one that would hold up the table if it ran first. It is asked for once the first rows
  // are on screen and the page has been quiet for a moment, or as soon as someone reaches for
  // the action filter. A new date range makes it stale; it is asked for again only when the
  // action filter is reached for, or on Refresh. Stale counts are not shown.
  const [firstShown, setFirstShown] = useState(false);
  if (!firstShown && !pages.loading) setFirstShown(true);
  const windowKey = filters.range === 'custom' ? `${filters.from}|${filters.to}` : filters.range;
  const [actionsWindow, setActionsWindow] = useState<string | null>(null);
  const wantActions = useCallback(() => setActionsWindow(windowKey), [windowKey]);
  useEffect(() => {
    if (!firstShown || actionsWindow !== null) return;
    const timer = window.setTimeout(wantActions, ACTIONS_AFTER_MS);
    return () => window.clearTimeout(timer);
  }, [firstShown, actionsWindow, wantActions]);
  const queryRef = useRef(query);
  queryRef.current = query;
  const actions = useAsync(
    async (signal) => {
      if (actionsWindow === null) return undefined;
      const { from, to } = queryRef.current;
      const result = await api.get<{ data: ActionCount[] }>('/v1/actions', {
        query: { from, to, kind },
        signal,
      });
      return { window: actionsWindow, data: result.data };
    },
    [api, actionsWindow, refresh, kind],
  );

  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = useCallback((eventId: string) => {
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(eventId)) next.delete(eventId);
      else next.add(eventId);
      return next;
    });
  }, []);
  const filterBy = useCallback(
    (name: DashboardFilter, value: string) => onFiltersChange({ ...filters, [name]: value }),
    [filters, onFiltersChange],
  );

  // Marks for the browser benchmarks: a result set is on screen.
  useEffect(() => {
    if (!pages.loading && pages.resultKey) {
      performance.mark('trailmark:rows', { detail: { key: pages.resultKey, rows: pages.rows.length } });
    }
  }, [pages.loading, pages.resultKey, pages.rows.length]);

  const sentinel = useRef<HTMLDivElement>(null);
  const { hasMore, loadingMore, loadMore, error } = pages;
  useEffect(() => {
    const element = sentinel.current;
    if (!element || !hasMore || loadingMore || error) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) loadMore();
      },
      { rootMargin: '600px 0px' },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasMore, loadingMore, loadMore, error]);

  const [one, many] = NOUN[kind];
  const state =
    pages.error && !pages.rows.length
      ? 'error'
      : pages.loading
        ? 'loading'
        : pages.rows.length
          ? 'ready'
          : 'empty';
  const countText = pages.loading
    ? `Loading ${many}…`
    : `${pages.rows.length.toLocaleString()} ${pages.rows.length === 1 ? one : many}${pages.hasMore ? ' shown, more below' : ''}`;

  let exportReason: string | null = null;
  if (exportAccess && !exportAccess.allowed) exportReason = exportAccess.reason;
  else if (pages.loading) exportReason = `Waiting for the ${many} to load.`;
  else if (pages.error && !pages.rows.length) exportReason = `The ${many} could not be loaded.`;
  else if (!pages.rows.length)
    exportReason = `No ${many} match these filters, so there is nothing to export.`;

  return (
    <div
      className="event-log"
      data-log-state={state}
      data-query={queryString}
      data-result-key={pages.resultKey}
    >
      <FilterCard
        filters={filters}
        asOf={asOf}
        actions={actions.data?.data}
        actionCounts={actions.data?.window === windowKey}
        onWantActions={() => {
          if (actions.data?.window !== windowKey && actionsWindow !== windowKey) wantActions();
        }}
        actionsFailed={Boolean(actions.error)}
        onApply={onFiltersChange}
      />
      <section className="card table-card" aria-labelledby={`${id}-results`}>
        <div className="table-toolbar">
          <div className="toolbar-left">
            <h2 id={`${id}-results`} className="card-title">
              {kind === 'audit' ? 'Events' : 'Requests'}
            </h2>
            <span className="muted small" aria-live="polite">
              {countText}
            </span>
            <span className="muted small range-text">
              {formatLocal(query.from ?? '')} – {formatLocal(query.to ?? '')}
            </span>
          </div>
          <div className="toolbar-right">
            {showChain &&
              (firstShown ? (
                <ChainStatusBadge api={api} refresh={refresh} canVerify={canVerify} />
              ) : (
                <span className="chain-status muted small">Checking the chain…</span>
              ))}
            <button
              type="button"
              className="button button-secondary"
              onClick={() => {
                setRefresh((r) => r + 1);
                if (actionsWindow !== null) setActionsWindow(windowKey);
              }}
              title="Load the newest events with the same filters"
            >
              Refresh
            </button>
            {exportAccess &&
              (exportReason ? (
                <span className="export-disabled">
                  <button
                    type="button"
                    className="button button-primary"
                    disabled
                    aria-describedby={`${id}-export-reason`}
                  >
                    Export CSV
                  </button>
                  <span id={`${id}-export-reason`} className="muted small export-reason">
                    {exportReason}
                  </span>
                </span>
              ) : (
                <a
                  className="button button-primary"
                  href={api.href('/v1/events/export.csv', query)}
                  download
                  title={`Download every ${one} matching these filters as CSV`}
                >
                  Export CSV
                </a>
              ))}
          </div>
        </div>
        {state === 'error' ? (
          <div className="card-pad">
            <ErrorNotice
              error={pages.error}
              onRetry={pages.retry}
              title={`The ${many} could not be loaded`}
            />
          </div>
        ) : state === 'loading' && !pages.rows.length ? (
          <TableSkeleton kind={kind} />
        ) : state === 'empty' ? (
          <EmptyState title={`No ${many} match these filters`}>
            <p>Try a wider date range or fewer filters.</p>
            {countActive(filters) > 0 && (
              <button
                type="button"
                className="button button-secondary"
                onClick={() => onFiltersChange({ range: DEFAULT_RANGE })}
              >
                Clear all filters
              </button>
            )}
          </EmptyState>
        ) : (
          <EventTable
            kind={kind}
            rows={pages.rows}
            expanded={expanded}
            onToggle={toggle}
            onFilter={filterBy}
            busy={pages.loading}
            caption={`${kind === 'audit' ? 'Audit events' : 'API requests'}, newest first`}
          />
        )}
        <div ref={sentinel} className="table-footer">
          {pages.error && pages.rows.length > 0 && !pages.loading ? (
            <ErrorNotice
              error={pages.error}
              onRetry={pages.retry}
              title="The next page could not be loaded"
            />
          ) : pages.hasMore ? (
            <button
              type="button"
              className="button button-secondary"
              onClick={loadMore}
              disabled={loadingMore}
            >
              {loadingMore ? <Spinner label="Loading more" /> : null}
              {loadingMore ? 'Loading…' : `Load more ${many}`}
            </button>
          ) : state === 'ready' ? (
            <span className="muted small">End of the results for these filters.</span>
          ) : null}
        </div>
      </section>
    </div>
  );
}
