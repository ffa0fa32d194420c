import { useEffect } from 'react';
import { navigate, type RouteState } from '../router.js';

/** Replaces the current history entry (a redirect must not trap the back button). */
export function Redirect({ to, state }: { to: string; state?: RouteState }) {
  useEffect(() => {
    navigate(to, { replace: true, ...(state ? { state } : {}) });
  }, [to, state]);
  return null;
}
