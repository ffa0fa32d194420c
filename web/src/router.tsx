import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';

/**
 * A small history-API router: the dashboard has a handful of flat routes, so a path switch in
 * app.tsx is all the routing it needs. `navigate` and the browser's back/forward both notify
 * every `useLocation` subscriber.
 */

const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', notify);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface RouteState {
  /** A message to show once on the page navigated to (for example after a redirect). */
  notice?: string;
}

export interface AppLocation {
  pathname: string;
  search: URLSearchParams;
  state: RouteState | null;
}

let cachedHref = '';
let cachedState: unknown;
let cached: AppLocation = { pathname: '/', search: new URLSearchParams(), state: null };

function snapshot(): AppLocation {
  if (window.location.href !== cachedHref || window.history.state !== cachedState) {
    cachedHref = window.location.href;
    cachedState = window.history.state;
    const state = window.history.state as RouteState | null;
    cached = {
      pathname: window.location.pathname,
      search: new URLSearchParams(window.location.search),
      state: state && typeof state === 'object' ? state : null,
    };
  }
  return cached;
}

export function useLocation(): AppLocation {
  return useSyncExternalStore(subscribe, snapshot);
}

export function navigate(to: string, options: { replace?: boolean; state?: RouteState } = {}): void {
  const state = options.state ?? null;
  if (options.replace) window.history.replaceState(state, '', to);
  else window.history.pushState(state, '', to);
  notify();
}

/** An in-app link: a real `<a href>` (so open-in-new-tab works) that navigates without reloading. */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}
