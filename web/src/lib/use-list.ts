import { useSession } from '../session.js';
import { type AsyncState, useAsync } from './use-async.js';

/** A list the API answers as `{ data: [...] }` (`/v1/streams`), loaded for the org in view. */
export function useList<T>(path: string): AsyncState<T[]> {
  const { api } = useSession();
  return useAsync((signal) => api.get<{ data: T[] }>(path, { signal }).then((r) => r.data), [api, path]);
}
