import { isIP } from 'node:net';
import { redactFields, redactHeaders } from './redact.js';
import {
  type Actor,
  type AuthType,
  type EventInput,
  HTTP_METHODS,
  type HttpMethod,
  MAX_REQUEST_DATA_BYTES,
  type RequestInfo,
} from './types.js';

/**
 * What the Express and Fastify middlewares share: the options, the decision to record a
 * request, and the request log entry (SPEC §2 `request` block) built from what they read.
 */

export interface RequestLogOptions<Req> {
  /** Where entries go: a Trailmark client, or anything with its record(). */
  client: { record(event: EventInput): unknown };
  /** The entry's action. Default `api.request`. */
  action?: string;
  /** Who made the request. Default: `{ type: 'system', id: 'anonymous' }`. */
  resolveActor?: (req: Req) => Actor | undefined | Promise<Actor | undefined>;
  /** How the request authenticated. Default: from the headers (see docs/sdk.md). */
  resolveAuthType?: (req: Req) => AuthType | undefined;
  /** The header carrying API keys (besides `Authorization: Bearer`). Default `x-api-key`. */
  apiKeyHeader?: string;
  /**
   * Take the client IP from X-Forwarded-For: `true` trusts every proxy (the leftmost address),
   * a number trusts that many proxies in front of this server. Default: the socket's address.
   */
  trustProxy?: boolean | number;
  /** Request data to record, redacted as the server redacts. Default: none of it. */
  capture?: { query?: boolean; params?: boolean; body?: boolean; headers?: readonly string[] };
  /** The share of requests recorded, 0 to 1. Default 1. */
  sampleRate?: number;
  /** Paths not recorded: a string matches the path and everything under it; or a RegExp. */
  exclude?: ReadonlyArray<string | RegExp>;
  /** For deployment-wide keys: the organization a request belongs to. */
  org?: (req: Req) => string | undefined;
  /** Last changes to the entry before it is recorded (workspace, resource, metadata, …). */
  enrich?: (event: EventInput, req: Req) => EventInput | undefined;
}

/** What a framework adapter reads from a finished request. */
export interface RequestFacts {
  method: string;
  /** The concrete path, query string included or not (it is cut off). */
  url: string;
  /** The route pattern (`/users/:id`), when the framework matched one. */
  route: string | undefined;
  statusCode: number;
  durationMs: number;
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string | undefined;
  query: unknown;
  params: unknown;
  body: unknown;
  /** The client went away before the response was complete. */
  aborted?: boolean;
}

const ANONYMOUS: Actor = { type: 'system', id: 'anonymous' };
/** nginx's code for a request whose client closed the connection before the response. */
const CLIENT_CLOSED = 499;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Shorter credentials are not keys worth a last 4: showing 4 characters would show most of them. */
const MIN_KEY_LENGTH = 12;
/** Nesting the server accepts below the event, less the levels above request data. */
const MAX_DATA_DEPTH = 28;

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function header(headers: RequestFacts['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class RequestRecorder<Req> {
  private readonly action: string;
  private readonly apiKeyHeader: string;
  private readonly sampleRate: number;

  constructor(private readonly options: RequestLogOptions<Req>) {
    this.action = options.action ?? 'api.request';
    this.apiKeyHeader = (options.apiKeyHeader ?? 'x-api-key').toLowerCase();
    this.sampleRate = options.sampleRate ?? 1;
    if (!(this.sampleRate >= 0 && this.sampleRate <= 1))
      throw new RangeError('sampleRate must be from 0 to 1');
  }

  /** Decided when the request starts, so unrecorded requests cost nothing more. */
  wants(url: string): boolean {
    if (this.sampleRate < 1 && Math.random() >= this.sampleRate) return false;
    const path = pathOf(url);
    for (const rule of this.options.exclude ?? []) {
      if (typeof rule === 'string') {
        if (path === rule || path.startsWith(rule.endsWith('/') ? rule : `${rule}/`)) return false;
      } else if (rule.test(path)) return false;
    }
    return true;
  }

  /** Builds the entry and records it; never throws (the response is already on its way). */
  async record(req: Req, facts: RequestFacts): Promise<void> {
    try {
      const event = await this.entry(req, facts);
      if (event) this.options.client.record(event);
    } catch {
      // A resolver or enrich hook failed: the application's request must not notice.
    }
  }

  async entry(req: Req, facts: RequestFacts): Promise<EventInput | undefined> {
    const method = facts.method.toUpperCase() as HttpMethod;
    // The server knows the standard methods only; WebDAV's and others' are not recorded.
    if (!HTTP_METHODS.includes(method)) return undefined;
    const statusCode = facts.aborted ? CLIENT_CLOSED : facts.statusCode;
    const credential = this.credential(facts.headers);
    const request: RequestInfo = {
      method,
      path: clip(pathOf(facts.url), 2048),
      status_code: statusCode,
      duration_ms: Math.round(facts.durationMs * 100) / 100,
    };
    if (credential.last4) request.api_key_last4 = credential.last4;
    Object.assign(request, this.captured(facts));

    const actor = (await attempt(() => this.options.resolveActor?.(req))) ?? ANONYMOUS;
    const context: NonNullable<EventInput['context']> = {
      auth_type: (await attempt(() => this.options.resolveAuthType?.(req))) ?? credential.authType,
    };
    const ip = this.clientIp(facts);
    if (ip) context.ip = ip;
    const userAgent = header(facts.headers, 'user-agent');
    if (userAgent) context.user_agent = clip(storable(userAgent) as string, 1024);

    const metadata: Record<string, unknown> = {};
    if (facts.route) metadata.route = facts.route;
    if (facts.aborted) metadata.aborted = true;
    let event: EventInput = {
      action: this.action,
      actor,
      status: statusCode >= 400 ? 'failure' : 'success',
      context,
      request,
    };
    if (Object.keys(metadata).length > 0) event.metadata = metadata;
    const org = this.options.org?.(req);
    if (org !== undefined) event.org = org;
    if (this.options.enrich) event = this.options.enrich(event, req) ?? event;
    return event;
  }

  /** The API key's last 4 characters (never more) and the auth type the headers suggest. */
  private credential(headers: RequestFacts['headers']): { last4?: string; authType: AuthType } {
    const key = header(headers, this.apiKeyHeader);
    if (key) return { ...last4(key), authType: 'api_key' };
    const authorization = header(headers, 'authorization');
    const bearer = authorization && /^bearer\s+(\S+)/i.exec(authorization)?.[1];
    if (bearer)
      return JWT_SHAPE.test(bearer) ? { authType: 'jwt' } : { ...last4(bearer), authType: 'api_key' };
    return { authType: 'none' };
  }

  private clientIp(facts: RequestFacts): string | undefined {
    const socket = facts.remoteAddress;
    const trust = this.options.trustProxy;
    let address = socket;
    const forwarded = trust ? header(facts.headers, 'x-forwarded-for') : undefined;
    if (forwarded) {
      const hops = forwarded
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      // The chain as seen from here: the forwarded addresses, then the socket's peer.
      const chain = socket ? [...hops, socket] : hops;
      address = trust === true ? chain[0] : chain[Math.max(0, chain.length - 1 - Number(trust))];
    }
    return address ? normalIp(address) : undefined;
  }

  private captured(facts: RequestFacts): Partial<RequestInfo> {
    const capture = this.options.capture;
    if (!capture) return {};
    const parts: Partial<Pick<RequestInfo, 'query' | 'params' | 'body' | 'headers'>> = {};
    if (capture.query && isRecord(facts.query) && Object.keys(facts.query).length > 0) {
      parts.query = storable(redactFields(shallow(facts.query))) as Record<string, unknown>;
    }
    if (capture.params && isRecord(facts.params) && Object.keys(facts.params).length > 0) {
      parts.params = storable(redactFields(shallow(facts.params))) as Record<string, unknown>;
    }
    if (capture.body && facts.body !== undefined && facts.body !== null && !isBinary(facts.body)) {
      parts.body = storable(redactFields(shallow(facts.body)));
    }
    if (capture.headers && capture.headers.length > 0) {
      const chosen: Record<string, unknown> = {};
      for (const name of capture.headers) {
        const value = facts.headers[name.toLowerCase()];
        if (value !== undefined) chosen[name.toLowerCase()] = value;
      }
      if (Object.keys(chosen).length > 0) {
        parts.headers = storable(redactHeaders(shallow(chosen) as Record<string, unknown>)) as Record<
          string,
          unknown
        >;
      }
    }
    return withinLimit(parts);
  }
}

/**
 * The server refuses request data over 32 KB in all: the largest parts are replaced by a note
 * (the body by a string, maps dropped) until the rest fits, rather than losing the entry.
 */
function withinLimit(parts: Partial<RequestInfo>): Partial<RequestInfo> {
  const sizes = new Map<keyof RequestInfo, number>();
  for (const [name, value] of Object.entries(parts)) {
    sizes.set(name as keyof RequestInfo, new TextEncoder().encode(JSON.stringify(value)).length);
  }
  let total = [...sizes.values()].reduce((a, b) => a + b, 0);
  // Room for the note that replaces the body.
  const limit = MAX_REQUEST_DATA_BYTES - 64;
  while (total > limit) {
    const [largest, size] = [...sizes.entries()].sort((a, b) => b[1] - a[1])[0]!;
    sizes.delete(largest);
    total -= size;
    if (largest === 'body') parts.body = `[TRUNCATED: ${size} bytes]`;
    else delete parts[largest];
  }
  return parts;
}

/**
 * A copy cut off below the depth the server accepts, so redaction (recursive, like the server's)
 * never meets a body nested deeply enough to exhaust the stack. Keys are kept as they are, so
 * redaction judges them exactly as the server would.
 */
function shallow(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DATA_DEPTH) return '[TOO DEEP]';
  if (Array.isArray(value)) return value.map((item) => shallow(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>))
    out[key] = shallow(item, depth + 1);
  return out;
}

/**
 * Values the server can store: it refuses NUL characters, unpaired surrogates, non-finite
 * numbers, keys over 256 characters and deep nesting. Request data comes from the client of the
 * application, so it could carry any of these to keep its request out of the log; they are
 * replaced instead. Runs after redaction, so
 * a secret's name is judged before any key is cut.
 */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\uFFFD').toWellFormed();
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value ?? null;
  if (Array.isArray(value)) return value.map((item) => storable(item));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[clip(storable(key) as string, 256)] = storable(item);
  }
  return out;
}

/** A hook's answer, or undefined when it throws: the entry is recorded with the defaults. */
async function attempt<T>(hook: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await hook();
  } catch {
    return undefined;
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBinary(value: unknown): boolean {
  return value instanceof Uint8Array || value instanceof ArrayBuffer;
}

function last4(credential: string): { last4?: string } {
  return credential.length >= MIN_KEY_LENGTH ? { last4: credential.slice(-4) } : {};
}

/** An address the server accepts as IPv4 or IPv6; IPv4-mapped IPv6 is written as IPv4. */
function normalIp(address: string): string | undefined {
  let ip = address.trim();
  if (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) ip = ip.slice(7);
  const zone = ip.indexOf('%');
  if (zone !== -1) ip = ip.slice(0, zone);
  return isIP(ip) === 0 ? undefined : ip;
}
