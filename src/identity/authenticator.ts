import { AppError } from '../domain/errors.js';
import type { Principal, UserPrincipal } from '../domain/principal.js';
import type { SessionRecord } from '../store/identity-store.js';
import type { ApiKeyRecord, AuditStore } from '../store/store.js';
import { RequestRateLimiter, Throttle } from './rate-limit.js';
import {
  csrfTokenFor,
  hashApiKey,
  hashToken,
  SESSION_PREFIX,
  sameToken,
  VIEWER_TOKEN_PREFIX,
} from './tokens.js';

/** The identity settings taken from the configuration. */
export interface IdentitySettings {
  sessionIdleMs: number;
  sessionMaxMs: number;
  loginMaxFailuresPerIp: number;
  loginMaxFailuresPerAccount: number;
  loginWindowMs: number;
  publicUrl: string;
  smtpUrl: string | undefined;
  smtpFrom: string;
}

/** What a request presents, read by the HTTP layer. */
export interface Credentials {
  /** The token of `Authorization: Bearer <token>`; '' when the header is malformed. */
  bearer: string | undefined;
  /** The `tm_session` cookie. */
  sessionCookie: string | undefined;
  /** The `X-CSRF-Token` header. */
  csrfHeader: string | undefined;
  /** The method changes state (anything but GET, HEAD, OPTIONS). */
  unsafe: boolean;
}

export interface Authenticated {
  principal: Principal;
  /** For sessions: the cookie's secret and the CSRF token derived from it. */
  session?: { record: SessionRecord; secret: string; csrfToken: string };
}

/** Last-used and last-seen times are written at most this often per key or session. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * How long an active API key read from the database answers for it, where one process serves
 * the database (SQLite). Every request presents a key, and reading it during ingest was most of
 * a single-event request's main-thread time (SQLite drops a reading connection's page cache
 * whenever another connection commits). A change made through this process (disabling or
 * deleting a key, or any other audited change) empties the cache once it commits. Where other
 * processes may disable a key (PostgreSQL), it must be refused at once there too: keys are
 * always read.
 */
const KEY_CACHE_MS = 1000;
const KEY_CACHE_LIMIT = 10_000;

/**
 * Checks credentials: an API key, a viewer token or a session cookie. A bearer token wins over a
 * cookie (browsers never send one by themselves, so it needs no CSRF check). Every refusal is a
 * 401 that does not say which part was wrong, except CSRF (403) and a key's own rate limit (429).
 */
export class Authenticator {
  private readonly keyRate = new RequestRateLimiter();
  private readonly keyTouch = new Throttle(TOUCH_INTERVAL_MS);
  private readonly sessionTouch = new Throttle(TOUCH_INTERVAL_MS);
  private readonly keys = new Map<string, { key: ApiKeyRecord; readAt: number }>();

  constructor(
    private readonly store: AuditStore,
    private readonly now: () => Date,
    readonly settings: IdentitySettings,
  ) {}

  async authenticate(credentials: Credentials): Promise<Authenticated> {
    if (credentials.bearer !== undefined) {
      if (!credentials.bearer) throw new AppError('unauthorized', 'send `Authorization: Bearer <token>`');
      if (credentials.bearer.startsWith(`${VIEWER_TOKEN_PREFIX}_`)) {
        return { principal: await this.viewerToken(credentials.bearer) };
      }
      return { principal: await this.apiKey(credentials.bearer) };
    }
    if (credentials.sessionCookie) return this.session(credentials);
    throw new AppError(
      'unauthorized',
      'send an API key or viewer token as `Authorization: Bearer <token>`, or sign in',
    );
  }

  /** Forgets every API key read so far: the next request with each reads it again. */
  forgetKeys(): void {
    this.keys.clear();
  }

  /** The key with this hash; where keys are cached, an active one read at most KEY_CACHE_MS ago. */
  private async findKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    if (!this.store.servedByOneProcess) return this.store.findApiKeyByHash(keyHash);
    const at = performance.now();
    const cached = this.keys.get(keyHash);
    if (cached && at - cached.readAt < KEY_CACHE_MS) return cached.key;
    const key = await this.store.findApiKeyByHash(keyHash);
    if (key?.status === 'active') {
      if (this.keys.size >= KEY_CACHE_LIMIT) this.keys.clear();
      this.keys.set(keyHash, { key, readAt: at });
    } else {
      this.keys.delete(keyHash);
    }
    return key;
  }

  private async apiKey(secret: string): Promise<Principal> {
    const key = await this.findKey(hashApiKey(secret));
    const now = this.now();
    if (key?.status !== 'active' || (key.expires_at && Date.parse(key.expires_at) <= now.getTime())) {
      throw new AppError('unauthorized', 'the API key is not valid');
    }
    if (key.rate_limit_per_minute !== null) {
      const wait = this.keyRate.take(key.id, key.rate_limit_per_minute, now.getTime());
      if (wait > 0) {
        throw new AppError(
          'rate_limited',
          `this API key is limited to ${key.rate_limit_per_minute} requests per minute`,
          { retryAfter: wait },
        );
      }
    }
    if (this.keyTouch.due(key.id, now.getTime())) {
      await this.store.transaction((tx) => tx.identity.touchApiKey(key.id, now.toISOString()));
    }
    return {
      type: 'api_key',
      keyId: key.id,
      name: key.name,
      org: key.org,
      scopes: key.scopes,
      last4: key.last4,
    };
  }

  private async viewerToken(token: string): Promise<Principal> {
    const record = await this.store.identity.findViewerTokenByHash(hashToken(token));
    if (!record || record.revoked_at || Date.parse(record.expires_at) <= this.now().getTime()) {
      throw new AppError('unauthorized', 'the viewer token is not valid, has expired or was revoked');
    }
    return {
      type: 'viewer',
      tokenId: record.id,
      org: record.org,
      workspace: record.workspace,
      actor: record.actor,
      expiresAt: record.expires_at,
    };
  }

  /** A live session: not revoked, within its absolute lifetime, and used within the idle time. */
  async liveSession(secret: string): Promise<SessionRecord | undefined> {
    if (!secret.startsWith(`${SESSION_PREFIX}_`)) return undefined;
    const record = await this.store.identity.findSessionByHash(hashToken(secret));
    const now = this.now().getTime();
    if (!record || record.revoked_at) return undefined;
    if (Date.parse(record.expires_at) <= now) return undefined;
    if (Date.parse(record.last_seen_at) + this.settings.sessionIdleMs <= now) return undefined;
    return record;
  }

  private async session(credentials: Credentials): Promise<Authenticated> {
    const secret = credentials.sessionCookie!;
    const record = await this.liveSession(secret);
    const user = record && (await this.store.identity.getUser(record.user_id));
    if (!record || !user) throw new AppError('unauthorized', 'the session has expired or was signed out');
    const csrfToken = csrfTokenFor(secret);
    if (credentials.unsafe && !(credentials.csrfHeader && sameToken(credentials.csrfHeader, csrfToken))) {
      throw new AppError('forbidden', 'send the csrf_token of the session in the X-CSRF-Token header');
    }
    const now = this.now();
    if (this.sessionTouch.due(record.id, now.getTime())) {
      await this.store.transaction((tx) => tx.identity.touchSession(record.id, now.toISOString()));
    }
    const principal: UserPrincipal = {
      type: 'user',
      userId: user.id,
      email: user.email,
      name: user.name,
      sessionId: record.id,
    };
    return { principal, session: { record, secret, csrfToken } };
  }

  /** Forgets cached touch times of a session that ended. */
  forgetSession(id: string): void {
    this.sessionTouch.forget(id);
  }
}
