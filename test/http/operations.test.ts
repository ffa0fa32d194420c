import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { ev, ingest, SERVER_BACKENDS, type TestOrg } from './support.js';

/** SPEC §4: the OpenAPI document, liveness, readiness and Prometheus metrics. */

interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name: string; in: string; schema?: object }>;
        requestBody?: { content?: Record<string, { schema?: object }> };
        responses?: Record<string, { content?: Record<string, { schema?: object }> }>;
        security?: Array<Record<string, unknown>>;
      }
    >
  >;
  components?: { schemas?: Record<string, object>; securitySchemes?: Record<string, unknown> };
  security?: Array<Record<string, unknown>>;
}

/** Every route of the API, as `METHOD /path` with OpenAPI's `{placeholders}`. */
const API_ROUTES = [
  'POST /v1/events',
  'GET /v1/events',
  'GET /v1/events/{id}',
  'GET /v1/events/export.csv',
  'GET /v1/events/export.jsonl',
  'GET /v1/actions',
  'GET /v1/chain',
  'GET /v1/chain/checkpoints',
  'POST /v1/chain/verify',
  'GET /v1/signing-keys',
  'POST /v1/orgs',
  'GET /v1/orgs',
  'GET /v1/orgs/{org}',
  'PATCH /v1/orgs/{org}',
  'POST /v1/orgs/{org}/api-keys',
  'GET /v1/api-keys',
  'POST /v1/api-keys',
  'PATCH /v1/api-keys/{id}',
  'DELETE /v1/api-keys/{id}',
  'POST /v1/deployment/api-keys',
  'GET /v1/members',
  'POST /v1/members/invitations',
  'POST /v1/invitations/accept',
  'PATCH /v1/members/{user_id}',
  'DELETE /v1/members/{user_id}',
  'GET /v1/roles',
  'GET /v1/streams',
  'POST /v1/streams',
  'GET /v1/streams/{id}',
  'PATCH /v1/streams/{id}',
  'DELETE /v1/streams/{id}',
  'POST /v1/streams/{id}/pause',
  'POST /v1/streams/{id}/resume',
  'POST /v1/streams/{id}/test',
  'POST /v1/roles',
  'PATCH /v1/roles/{id}',
  'DELETE /v1/roles/{id}',
  'POST /v1/viewer-tokens',
  'DELETE /v1/viewer-tokens/{id}',
  'POST /v1/auth/login',
  'POST /v1/auth/logout',
  'GET /v1/auth/me',
  'POST /v1/auth/password',
  'GET /v1/alerts',
  'GET /v1/alerts/{id}',
  'POST /v1/alerts/{id}/acknowledge',
  'POST /v1/alerts/{id}/resolve',
  'GET /v1/alert-detectors',
  'PATCH /v1/alert-detectors',
  'GET /v1/alert-rules',
  'POST /v1/alert-rules',
  'GET /v1/alert-rules/{id}',
  'PUT /v1/alert-rules/{id}',
  'DELETE /v1/alert-rules/{id}',
  'GET /v1/alert-channels',
  'POST /v1/alert-channels',
  'PATCH /v1/alert-channels/{id}',
  'DELETE /v1/alert-channels/{id}',
  'POST /v1/alert-channels/{id}/test',
  'POST /audit_logs/events',
  'POST /audit_logs/exports',
  'GET /audit_logs/exports/{id}',
  'GET /audit_logs/exports/{id}/download',
  'POST /audit_logs/actions/{action}/schemas',
  'GET /audit_logs/actions/{action}/schemas',
  'GET /organizations/{id}/audit_logs_retention',
  'PUT /organizations/{id}/audit_logs_retention',
  'POST /auditlog/publisher/v1/project/{projectId}/event',
  'POST /auditlog/publisher/v1/project/{projectId}/event/bulk',
  'GET /auditlog/publisher/v1/project/{projectId}/viewertoken',
  'POST /auditlog/publisher/v1/project/{projectId}/graphql',
  'POST /publisher/v1/project/{projectId}/event',
  'POST /publisher/v1/project/{projectId}/event/bulk',
  'GET /publisher/v1/project/{projectId}/viewertoken',
  'POST /publisher/v1/project/{projectId}/graphql',
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
];

/** Each schema of an operation (parameters, request body, responses) with where it is. */
function operationSchemas(doc: OpenApi): Array<[string, object]> {
  const found: Array<[string, object]> = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const at = `${method.toUpperCase()} ${path}`;
      for (const p of op.parameters ?? []) if (p.schema) found.push([`${at} ${p.in} ${p.name}`, p.schema]);
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        if (media.schema) found.push([`${at} body ${type}`, media.schema]);
      }
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (media.schema) found.push([`${at} ${status} ${type}`, media.schema]);
        }
      }
    }
  }
  return found;
}

/** Every `$ref` anywhere under `value`. */
function refsIn(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') into.push(item);
      else refsIn(item, into);
    }
  }
  return into;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let at: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    at = at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  }
  return at;
}

/** One sample line of the Prometheus text format: `name{labels} value`. */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( \d+)?$/;

function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (match && match[1] === name && (match[2] ?? '') === labels) return Number(match[3]);
  }
  return undefined;
}

for (const backend of SERVER_BACKENDS) {
  describe(`operations (${backend.name})`, () => {
    let t: TestServer;
    let org: TestOrg;
    beforeAll(async () => {
      t = await backend.start();
      org = await t.createOrg('Ops');
    });
    afterAll(async () => {
      await t?.close();
    });

    it('GET /healthz answers 200 without a key', async () => {
      const res = await t.request('/healthz', { key: null });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok' });
    });

    it('GET /readyz answers 200 with the backend when the store answers', async () => {
      const res = await t.request('/readyz', { key: null });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ready', backend: backend.name });
    });

    describe('GET /metrics', () => {
      it('serves the Prometheus text format with trailmark_ metrics that follow ingest and export', async () => {
        const before = await (await t.request('/metrics', { key: null })).text();
        const ingestedBefore = metricValue(before, 'trailmark_events_ingested_total') ?? 0;
        await ingest(
          t,
          org.writeKey,
          Array.from({ length: 25 }, () => ev()),
        );
        await ingest(t, org.writeKey, [ev()]);
        await (await t.request('/v1/events/export.csv', { key: org.readKey })).text();

        const res = await t.request('/metrics', { key: null });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        const text = await res.text();
        for (const line of text.split('\n')) {
          if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
          expect(line).toMatch(SAMPLE);
        }
        expect(metricValue(text, 'trailmark_events_ingested_total')).toBeGreaterThanOrEqual(
          ingestedBefore + 26,
        );
        expect(text).toContain('# TYPE trailmark_commit_batch_events histogram');
        expect(text).toContain('# TYPE trailmark_commit_seconds histogram');
        expect(metricValue(text, 'trailmark_commit_batch_events_count')).toBeGreaterThanOrEqual(2);
        expect(metricValue(text, 'trailmark_commit_batch_events_sum')).toBeGreaterThanOrEqual(26);
        expect(metricValue(text, 'trailmark_ingest_queue_events')).toBe(0);
        expect(metricValue(text, 'trailmark_exported_rows_total', '{format="csv"}')).toBeGreaterThan(0);
        // Process metrics carry the prefix too.
        expect(metricValue(text, 'trailmark_process_resident_memory_bytes')).toBeGreaterThan(0);
        const names = new Set(
          text
            .split('\n')
            .map((line) => SAMPLE.exec(line)?.[1])
            .filter((n): n is string => n !== undefined),
        );
        for (const name of names) expect(name.startsWith('trailmark_'), name).toBe(true);
      });

      it('reports the search index cache, which a search over full blocks fills', async () => {
        const searched = await t.createOrg('Searched');
        // A search reads the newest 2,000 events itself, and the search blocks (of 256 events
        // each) behind them; the newest block, still filling, is read again at each search.
        for (let i = 0; i < 26; i++) {
          await ingest(
            t,
            searched.writeKey,
            Array.from({ length: 100 }, () => ev()),
          );
        }
        const before = metricValue(
          await (await t.request('/metrics', { key: null })).text(),
          'trailmark_search_cache_bytes',
        );
        expect(before).toBeDefined();
        const res = await t.request('/v1/events?q=nothing-like-this', { key: searched.readKey });
        expect(res.status).toBe(200);
        const after = metricValue(
          await (await t.request('/metrics', { key: null })).text(),
          'trailmark_search_cache_bytes',
        );
        expect(after! - before!).toBeGreaterThanOrEqual(8192);
      });

      it('counts refused ingest requests by reason', async () => {
        const text = await (await t.request('/metrics', { key: null })).text();
        expect(text).toContain('trailmark_ingest_rejected_total');
      });
    });

    describe('GET /openapi.json', () => {
      let doc: OpenApi;
      beforeAll(async () => {
        const res = await t.request('/openapi.json', { key: null });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        doc = JSON.parse(await res.text()) as OpenApi;
      });

      it('is an OpenAPI 3.1 document', () => {
        expect(doc.openapi).toMatch(/^3\.1\./);
        expect(doc.info.title).toBeTruthy();
        expect(doc.info.version).toBeTruthy();
      });

      it('describes every route of the API', () => {
        for (const route of API_ROUTES) {
          const [method, path] = route.split(' ') as [string, string];
          const operation = doc.paths[path]?.[method.toLowerCase()];
          expect(operation, route).toBeDefined();
          expect(operation!.responses, route).toBeDefined();
        }
      });

      it('documents only routes the server answers', () => {
        for (const [path, operations] of Object.entries(doc.paths)) {
          for (const method of Object.keys(operations)) {
            const url = path.replace(/\{([^}]+)\}/g, ':$1');
            const route = `${method.toUpperCase()} ${path}`;
            expect(t.server.app.hasRoute({ method: method.toUpperCase(), url }), route).toBe(true);
            expect(API_ROUTES, route).toContain(route);
          }
        }
      });

      it('has schemas that compile as JSON Schema 2020-12 and references that resolve', () => {
        const refs = refsIn(doc);
        expect(refs.length).toBeGreaterThan(0);
        for (const ref of refs) expect(resolvePointer(doc, ref), ref).toBeDefined();
        const ajv = new Ajv2020({ strict: false, validateFormats: false, logger: false });
        const schemas = [
          ...Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => [name, schema] as const),
          ...operationSchemas(doc),
        ];
        expect(schemas.length).toBeGreaterThan(API_ROUTES.length);
        for (const [where, schema] of schemas) {
          // Local references point into the document's components: compile each beside them.
          expect(() => ajv.compile({ ...schema, components: doc.components }), where).not.toThrow();
        }
      });

      it('names only security schemes it defines', () => {
        const defined = Object.keys(doc.components?.securitySchemes ?? {});
        expect(defined).toEqual(expect.arrayContaining(['bearer', 'session']));
        const requirements = [
          ...(doc.security ?? []),
          ...Object.values(doc.paths).flatMap((operations) =>
            Object.values(operations).flatMap((op) => op.security ?? []),
          ),
        ];
        for (const requirement of requirements) {
          for (const name of Object.keys(requirement)) expect(defined).toContain(name);
        }
      });

      it('documents every list filter as a query parameter', () => {
        const filters = [
          'from',
          'to',
          'actor',
          'action',
          'resource_type',
          'resource_id',
          'status',
          'workspace',
          'ip',
          'kind',
          'q',
          'limit',
          'cursor',
        ];
        for (const path of ['/v1/events', '/v1/events/export.csv', '/v1/events/export.jsonl']) {
          const names = (doc.paths[path]!.get!.parameters ?? [])
            .filter((p) => p.in === 'query')
            .map((p) => p.name);
          for (const filter of filters) expect(names, `${path} ${filter}`).toContain(filter);
        }
      });

      it('describes the ingest body with the event schema that validates it', () => {
        const body =
          JSON.stringify(doc.paths['/v1/events']!.post!.requestBody ?? {}) +
          JSON.stringify(doc.components ?? {});
        for (const field of ['action', 'actor', 'occurred_at', 'resource', 'metadata', 'events']) {
          expect(body).toContain(`"${field}"`);
        }
        expect(body).toContain('^[a-z0-9_]+(\\\\.[a-z0-9_]+){1,5}$');
      });

      it('has a path parameter for every {placeholder}', () => {
        for (const [path, operations] of Object.entries(doc.paths)) {
          const placeholders = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
          for (const operation of Object.values(operations)) {
            const inPath = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
            for (const name of placeholders) expect(inPath, `${path} ${name}`).toContain(name);
          }
        }
      });
    });
  });
}
