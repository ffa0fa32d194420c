import { describe, expect, it } from 'vitest';
import * as sdk from '../../sdk/src/index.js';
import { RequestRecorder } from '../../sdk/src/request-log.js';
import { EVENT_STATUSES } from '../../src/contracts/event.js';
import * as server from '../../src/contracts/event-schema.js';
import * as serverRedact from '../../src/domain/redact.js';
import { parseIngestBody } from '../../src/domain/validate.js';

/**
 * The SDK is a package of its own and cannot import the server: its event types and its
 * redaction are written twice. These checks keep the two copies the same.
 */

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The SDK's input as it goes on the wire: a Date for occurred_at is sent as its ISO string. */
type SdkWire = Omit<sdk.EventInput, 'occurred_at'> & { occurred_at?: string };
type Server = server.EventInput;

// Checked by tsc (the suite's typecheck): same members, same literal unions, both ways.
const typesAgree: [
  Same<keyof sdk.EventInput, keyof Server>,
  Same<keyof sdk.Actor, keyof server.Actor>,
  Same<keyof sdk.Resource, keyof server.Resource>,
  Same<keyof sdk.EventContext, keyof NonNullable<Server['context']>>,
  Same<keyof sdk.RequestInfo, keyof server.RequestInfo>,
  Same<sdk.ActorType, server.Actor['type']>,
  Same<sdk.AuthType, NonNullable<NonNullable<Server['context']>['auth_type']>>,
  Same<sdk.HttpMethod, server.RequestInfo['method']>,
  Same<sdk.EventStatus, NonNullable<Server['status']>>,
  Same<SdkWire, Server>,
] = [true, true, true, true, true, true, true, true, true, true];

describe('the SDK and the server agree on the event', () => {
  it('field names and allowed values', () => {
    expect(typesAgree.every(Boolean)).toBe(true);
    expect(sdk.ACTOR_TYPES).toEqual(server.ACTOR_TYPES);
    expect(sdk.AUTH_TYPES).toEqual(server.AUTH_TYPES);
    expect(sdk.EVENT_STATUSES).toEqual(EVENT_STATUSES);
    expect(sdk.HTTP_METHODS).toEqual(server.HTTP_METHODS);
    expect(sdk.MAX_EVENTS_PER_REQUEST).toBe(server.MAX_EVENTS_PER_REQUEST);
    expect(sdk.MAX_REQUEST_BYTES).toBe(server.MAX_REQUEST_BYTES);
    expect(sdk.MAX_REQUEST_DATA_BYTES).toBe(server.MAX_REQUEST_DATA_BYTES);
    const fields: Array<keyof sdk.EventInput> = [
      'id',
      'org',
      'action',
      'occurred_at',
      'actor',
      'resource',
      'workspace',
      'status',
      'description',
      'context',
      'request',
      'metadata',
    ];
    expect(Object.keys(server.EventInputSchema.properties).sort()).toEqual(fields.sort());
  });

  it("the server's schema accepts representative events typed by the SDK, helpers and request log entries", async () => {
    const actor: sdk.Actor = { type: 'user', id: 'u_1', name: 'Ada Lovelace', email: 'ada@example.com' };
    const recorder = new RequestRecorder<null>({
      client: { record: () => undefined },
      capture: { query: true, params: true, body: true, headers: ['x-request-id', 'authorization'] },
    });
    const entry = await recorder.entry(null, {
      method: 'post',
      url: '/api/v1/templates?draft=1',
      route: '/api/v1/templates',
      statusCode: 201,
      durationMs: 41.987,
      headers: { authorization: 'Bearer tmk_abcdefghijklmnop', 'x-request-id': 'r1', 'user-agent': 'curl/8' },
      remoteAddress: '::ffff:203.0.113.7',
      query: { draft: '1' },
      params: {},
      body: { name: 'Invoice', password: 'x' },
    });
    const events: sdk.EventInput[] = [
      { action: 'user.login', actor },
      {
        id: 'evt_client_chosen_optional',
        org: 'org_1',
        action: 'template.created',
        occurred_at: new Date('2026-11-21T10:00:00.000Z'),
        actor,
        resource: { type: 'template', id: 'tpl_9', name: 'Invoice' },
        workspace: 'ws_1',
        status: 'success',
        description: 'Ada created template Invoice',
        context: { ip: '203.0.113.7', user_agent: 'Mozilla/5.0', auth_type: 'session' },
        request: {
          method: 'POST',
          path: '/api/v1/templates',
          status_code: 201,
          duration_ms: 42,
          api_key_last4: 'a1b2',
          query: {},
          params: {},
          body: {},
          headers: {},
        },
        metadata: { changed_fields: ['name'] },
      },
      sdk.events.auth.loginFailed({ actor, reason: 'bad_password' }),
      sdk.events.apiKey.created({ actor, key: { id: 'key_1', name: 'CI', last4: 'a1b2' } }),
      sdk.events.member.roleChanged({
        actor,
        member: { email: 'bob@example.com' },
        from: 'member',
        to: 'admin',
      }),
      sdk.events.resource.updated({
        actor,
        resource: { type: 'Email-Template', id: 't' },
        changedFields: ['a'],
      }),
      entry!,
    ];
    const wire = events.map((e) => JSON.parse(JSON.stringify(e)) as unknown);
    expect(parseIngestBody({ events: wire })).toHaveLength(events.length);
    expect(entry).toMatchObject({
      action: 'api.request',
      context: { ip: '203.0.113.7', auth_type: 'api_key' },
      request: {
        method: 'POST',
        path: '/api/v1/templates',
        api_key_last4: 'mnop',
        body: { password: '[REDACTED]' },
      },
      metadata: { route: '/api/v1/templates' },
    });
  });
});

describe('the SDK redacts exactly as the server does', () => {
  const NAMES = [
    'password',
    'Password',
    'new_password',
    'client_secret',
    'SECRET',
    'token',
    'accessToken',
    'refresh_token',
    'api_key',
    'apiKey',
    'APIKEY',
    'api-key',
    'x-api-key',
    'authorization',
    'Authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'Cookie',
    'session',
    'email',
    'name',
    'key',
    'tokens',
    'pass',
    'auth',
    'x-request-id',
  ];

  it('on names', () => {
    for (const name of NAMES) expect(sdk.isSecretName(name), name).toBe(serverRedact.isSecretName(name));
    expect(sdk.REDACTED).toBe(serverRedact.REDACTED);
  });

  it('on the same random request data and headers', () => {
    // A fixed pseudo-random sequence: the same cases on every run.
    let seed = 17;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const value = (depth: number): unknown => {
      const roll = random();
      if (depth > 3 || roll < 0.3) return pick(['v', 1, true, null, 'Bearer abc', 2.5]);
      if (roll < 0.5) return Array.from({ length: 1 + Math.floor(random() * 3) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: 1 + Math.floor(random() * 4) }, () => [pick(NAMES), value(depth + 1)]),
      );
    };
    for (let i = 0; i < 500; i++) {
      const data = value(0);
      expect(sdk.redactFields(data)).toEqual(serverRedact.redactFields(data));
      const headers = Object.fromEntries(
        Array.from({ length: 1 + Math.floor(random() * 5) }, () => [pick(NAMES), value(2)]),
      );
      expect(sdk.redactHeaders(headers)).toEqual(serverRedact.redactHeaders(headers));
    }
  });
});
