import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiClient } from '../api/client.js';
import { Notice } from '../components/ui.js';
import { EventLog } from '../log/EventLog.js';
import { filtersToSearch, type LogFilters, parseFilters } from '../log/filters.js';
import { navigate, useLocation } from '../router.js';

/**
 * The embedded, read-only viewer: `/embed?token=VIEWER_TOKEN`, opened in an iframe by the
 * integrating product for its own customers. The token is a bearer credential for one org (and
 * maybe one workspace); it is moved from the URL into this tab's sessionStorage at once, so it
 * does not stay in the address bar, history or Referer.
 *
 * Theming: query parameters set the CSS variables the page is drawn with (see THEME_PARAMS);
 * each value is checked against a strict pattern before it is used.
 */

const TOKEN_KEY = 'trailmark.viewer-token';
const COLOR = /^(#[0-9a-fA-F]{3,8}|rgba?\([\d\s.,%]+\)|hsla?\([\d\s.,%deg]+\))$/;
const LENGTH = /^\d{1,2}(\.\d+)?(px|rem|em)$/;
const FONT = /^[A-Za-z0-9 ,'"-]{1,120}$/;

export const THEME_PARAMS: Record<string, { variable: string; pattern: RegExp }> = {
  accent: { variable: '--tm-accent', pattern: COLOR },
  background: { variable: '--tm-bg', pattern: COLOR },
  surface: { variable: '--tm-surface', pattern: COLOR },
  text: { variable: '--tm-text', pattern: COLOR },
  muted: { variable: '--tm-muted', pattern: COLOR },
  border: { variable: '--tm-border', pattern: COLOR },
  radius: { variable: '--tm-radius', pattern: LENGTH },
  font: { variable: '--tm-font', pattern: FONT },
  'font-size': { variable: '--tm-font-size', pattern: LENGTH },
};

const KEEP = ['title', ...Object.keys(THEME_PARAMS)];

function readToken(search: URLSearchParams): string | null {
  const fromUrl = search.get('token');
  try {
    if (fromUrl) {
      window.sessionStorage.setItem(TOKEN_KEY, fromUrl);
      return fromUrl;
    }
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return fromUrl;
  }
}

/** The query parameters that are not filters (theme, title), to keep across filter changes. */
function keptParams(search: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const name of KEEP) {
    const value = search.get(name);
    if (value !== null) out.set(name, value);
  }
  return out;
}

export function EmbedPage() {
  const location = useLocation();
  const [token] = useState(() => readToken(location.search));
  const [expired, setExpired] = useState(false);
  const title = location.search.get('title')?.slice(0, 120) || 'Audit log';

  // Drop the token from the address bar once it is stored.
  useEffect(() => {
    if (location.search.has('token')) {
      const rest = new URLSearchParams(location.search);
      rest.delete('token');
      const text = rest.toString();
      navigate(`/embed${text ? `?${text}` : ''}`, { replace: true });
    }
  }, [location.search]);

  useEffect(() => {
    document.title = title;
    document.documentElement.classList.add('embedded');
    const root = document.documentElement.style;
    for (const [param, { variable, pattern }] of Object.entries(THEME_PARAMS)) {
      const value = location.search.get(param);
      if (value && pattern.test(value)) root.setProperty(variable, value);
      else root.removeProperty(variable);
    }
  }, [location.search, title]);

  const api = useMemo(
    () => (token ? new ApiClient({ kind: 'bearer', token }, () => setExpired(true)) : null),
    [token],
  );
  const filters = useMemo(() => parseFilters(location.search), [location.search]);
  const onFiltersChange = useCallback((next: LogFilters) => {
    const params = filtersToSearch(next);
    for (const [name, value] of keptParams(new URLSearchParams(window.location.search)))
      params.set(name, value);
    navigate(`/embed?${params.toString()}`);
  }, []);

  if (!api || expired) {
    return (
      <main className="embed embed-message" id="main">
        <h1>{title}</h1>
        <Notice tone="error">
          {api
            ? 'This viewer link has expired or is not valid. Reopen the audit log from the application you came from.'
            : 'This viewer link has no access token. Reopen the audit log from the application you came from.'}
        </Notice>
      </main>
    );
  }
  return (
    <main className="embed" id="main">
      <header className="embed-header">
        <h1>{title}</h1>
        <span className="muted small">Read-only</span>
      </header>
      <EventLog
        api={api}
        kind="audit"
        filters={filters}
        onFiltersChange={onFiltersChange}
        exportAccess={null}
      />
    </main>
  );
}
