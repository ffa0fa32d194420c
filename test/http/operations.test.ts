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
      { parameters?: Array<{ name: string; in: string }>; requestBody?: unknown; responses?: unknown }
    >
  >;
  components?: Record<string, unknown>;
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
        const routes: Array<[string, string]> = [
          ['/v1/events', 'post'],
          ['/v1/events', 'get'],
          ['/v1/events/{id}', 'get'],
          ['/v1/events/export.csv', 'get'],
          ['/v1/events/export.jsonl', 'get'],
          ['/v1/actions', 'get'],
          ['/v1/chain', 'get'],
          ['/v1/orgs', 'post'],
          ['/v1/orgs', 'get'],
          ['/v1/orgs/{org}', 'get'],
          ['/v1/orgs/{org}/api-keys', 'post'],
          ['/healthz', 'get'],
          ['/readyz', 'get'],
          ['/metrics', 'get'],
        ];
        for (const [path, method] of routes) {
          expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
          expect(doc.paths[path]![method]!.responses, `${method.toUpperCase()} ${path}`).toBeDefined();
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
