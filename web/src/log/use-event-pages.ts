import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiClient, isAbort } from '../api/client.js';
import type { AuditEvent, Page } from '../api/types.js';
import type { ApiQuery } from './filters.js';
import { PAGE_SIZE, queryKeyOf, takePrefetched } from './prefetch.js';

export { PAGE_SIZE };

export interface EventPages {
  /** While a new query loads, the previous result's rows (shown dimmed, `loading` is true). */
  rows: AuditEvent[];
  /** The first page of the current query is loading. */
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  hasMore: boolean;
  /** Changes with every new result set; the table and the benchmarks key on it. */
  resultKey: string;
  loadMore(): void;
  retry(): void;
}

/**
 * Newest-first pages over the cursor API for one resolved query. A new query drops the old rows
 * and aborts anything in flight, so only the current filters' rows are ever shown.
 */
export function useEventPages(api: ApiClient, query: ApiQuery): EventPages {
  const key = new URLSearchParams(query).toString();
  const [state, setState] = useState<{
    key: string;
    rows: AuditEvent[];
    cursor: string | null;
    loading: boolean;
    loadingMore: boolean;
    error: unknown;
  }>({ key: '', rows: [], cursor: null, loading: true, loadingMore: false, error: undefined });
  const [attempt, setAttempt] = useState(0);
  const controller = useRef<AbortController | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `query`
  useEffect(() => {
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setState((s) => ({ ...s, loading: true, loadingMore: false, error: undefined }));
    const first =
      takePrefetched(queryKeyOf(api.org, query)) ??
      api.get<Page<AuditEvent>>('/v1/events', {
        query: { ...query, limit: PAGE_SIZE },
        signal: current.signal,
      });
    first.then(
      (page) => {
        if (current.signal.aborted) return;
        setState({
          key,
          rows: page.data,
          cursor: page.next_cursor,
          loading: false,
          loadingMore: false,
          error: undefined,
        });
      },
      (error: unknown) => {
        if (current.signal.aborted || isAbort(error)) return;
        setState({ key, rows: [], cursor: null, loading: false, loadingMore: false, error });
      },
    );
    return () => current.abort();
  }, [api, key, attempt]);

  const loadMore = useCallback(() => {
    if (state.loading || state.loadingMore || !state.cursor || state.key !== key) return;
    const current = controller.current;
    const signal = current?.signal;
    setState((s) => ({ ...s, loadingMore: true, error: undefined }));
    api
      .get<Page<AuditEvent>>('/v1/events', {
        query: { ...query, limit: PAGE_SIZE, cursor: state.cursor },
        ...(signal ? { signal } : {}),
      })
      .then(
        (page) => {
          if (signal?.aborted) return;
          setState((s) =>
            s.key === key
              ? { ...s, rows: [...s.rows, ...page.data], cursor: page.next_cursor, loadingMore: false }
              : s,
          );
        },
        (error: unknown) => {
          if (signal?.aborted || isAbort(error)) return;
          setState((s) => (s.key === key ? { ...s, loadingMore: false, error } : s));
        },
      );
  }, [api, key, query, state]);

  const retry = useCallback(() => {
    if (state.rows.length && state.cursor) loadMore();
    else setAttempt((a) => a + 1);
  }, [state.rows.length, state.cursor, loadMore]);

  const fresh = state.key === key;
  return {
    rows: state.rows,
    loading: !fresh || state.loading,
    loadingMore: state.loadingMore,
    error: state.error,
    hasMore: fresh && state.cursor !== null,
    resultKey: state.key,
    loadMore,
    retry,
  };
}
