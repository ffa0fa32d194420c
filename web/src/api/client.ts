/**
 * The dashboard's only way to the server: the public /v1 API. Two ways to authenticate, as the
 * API defines them: the session cookie (with X-CSRF-Token on writes and Trailmark-Org naming the
 * organization), or a bearer token (the embedded viewer's viewer token).
 */

export interface ProblemIssue {
  path: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: ProblemIssue[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }

  /** The message for a person: the detail, and each field issue. */
  describe(): string {
    const issues = this.problem.errors?.map((e) => `${e.path}: ${e.message}`) ?? [];
    return [this.message, ...issues.filter((i) => !this.message.includes(i))].join(' · ');
  }
}

export type Auth =
  | { kind: 'session'; csrfToken: string | null; org: string | null }
  | { kind: 'bearer'; token: string };

export type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
  query?: Record<string, QueryValue> | URLSearchParams;
  body?: unknown;
  signal?: AbortSignal;
}

export function toSearchParams(query: RequestOptions['query']): URLSearchParams {
  if (!query) return new URLSearchParams();
  if (query instanceof URLSearchParams) return new URLSearchParams(query);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  return params;
}

export class ApiClient {
  constructor(
    readonly auth: Auth,
    private readonly onUnauthorized?: () => void,
  ) {}

  /** The org this client acts on, when it names one (sessions). */
  get org(): string | null {
    return this.auth.kind === 'session' ? this.auth.org : null;
  }

  withOrg(org: string | null): ApiClient {
    if (this.auth.kind !== 'session') return this;
    return new ApiClient({ ...this.auth, org }, this.onUnauthorized);
  }

  /**
   * A URL the browser can open directly (a download link): only sessions can, since a link
   * cannot carry an Authorization header; the org goes in the query string.
   */
  href(path: string, query?: RequestOptions['query']): string {
    const params = toSearchParams(query);
    if (this.auth.kind === 'session' && this.auth.org) params.set('org', this.auth.org);
    const text = params.toString();
    return text ? `${path}?${text}` : path;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers = new Headers({ accept: 'application/json' });
    if (this.auth.kind === 'bearer') headers.set('authorization', `Bearer ${this.auth.token}`);
    else {
      if (this.auth.org) headers.set('trailmark-org', this.auth.org);
      if (method !== 'GET' && method !== 'HEAD' && this.auth.csrfToken) {
        headers.set('x-csrf-token', this.auth.csrfToken);
      }
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(options.body);
    }
    const params = toSearchParams(options.query).toString();
    let response: Response;
    try {
      response = await fetch(params ? `${path}?${params}` : path, {
        method,
        headers,
        body,
        credentials: this.auth.kind === 'session' ? 'same-origin' : 'omit',
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError({
        status: 0,
        title: 'Network error',
        detail: 'The server could not be reached. Check your connection and try again.',
      });
    }
    if (response.status === 204) return undefined as T;
    const type = response.headers.get('content-type') ?? '';
    const payload: unknown = type.includes('json') ? await response.json().catch(() => null) : null;
    if (!response.ok) {
      const problem: Problem =
        payload && typeof payload === 'object'
          ? { status: response.status, ...(payload as Partial<Problem>) }
          : { status: response.status, detail: `${response.status} ${response.statusText}` };
      if (response.status === 401) this.onUnauthorized?.();
      throw new ApiError(problem);
    }
    return payload as T;
  }

  get<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, options);
  }
  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, { ...options, body: body ?? {} });
  }
  patch<T>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  put<T>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }
  delete<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}
