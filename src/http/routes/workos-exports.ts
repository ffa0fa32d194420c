import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import {
  asSentByWorkos,
  EXPORT_RESOURCE,
  exportFilter,
  exportMatches,
  exportRequestOf,
  parseExportRequest,
  signedQuery,
  URL_TTL_MS,
  validSignature,
  type WorkosExportRequest,
} from '../../compat/workos/export.js';
import { AppError } from '../../domain/errors.js';
import type { StoredEvent } from '../../domain/event.js';
import { CONTENT_TYPES, exportStream } from '../../export/export-stream.js';
import { createAuditLogExport } from '../../operations/audit-log-exports.js';
import { audited } from '../../operations/audited.js';
import { authorize, causeOf, originOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { orgScopedRoutes } from './org-scoped.js';
import { recordingEvents } from './workos-records.js';

/**
 * WorkOS-compatible exports (COMPAT-WIRE.md 1.3): an export is ready as soon as it is created;
 * its `url` is a signed link to its CSV (Trailmark's CSV columns), valid for 10 minutes.
 */

const ExportParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const ExportObject = Type.Object({
  object: Type.Literal('audit_log_export'),
  id: Type.String(),
  state: Type.String(),
  url: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
});

/** The deployment's secrets that sign download links: its checkpoint signing keys' private halves. */
async function urlSecrets(ctx: AppContext): Promise<string[]> {
  const keys = await ctx.store.signingKeys.list();
  const active = keys.filter((k) => k.status === 'active');
  const secrets = [...active, ...keys.filter((k) => k.status !== 'active')].map((k) => k.private_key);
  if (!secrets.length) throw new AppError('unavailable', 'no signing key exists yet', { retryAfter: 1 });
  return secrets;
}

async function exportEvent(ctx: AppContext, org: string, id: string): Promise<StoredEvent> {
  const [event] = await recordingEvents(ctx, org, {
    action: 'audit_log_export.created',
    resourceType: EXPORT_RESOURCE,
    resourceId: id,
    limit: 1,
  });
  if (!event) throw new AppError('not_found', `Audit log export not found: '${id}'.`);
  return event;
}

async function exportObject(
  ctx: AppContext,
  request: FastifyRequest,
  org: string,
  id: string,
  createdAt: string,
) {
  const [secret] = await urlSecrets(ctx);
  const expires = ctx.now().getTime() + URL_TTL_MS;
  const base = `${request.protocol}://${request.host}`;
  const url = `${base}/audit_logs/exports/${encodeURIComponent(id)}/download?${signedQuery(secret!, org, id, expires)}`;
  return {
    object: 'audit_log_export' as const,
    id,
    state: 'ready',
    url,
    created_at: createdAt,
    updated_at: createdAt,
  };
}

/**
 * The store's pages with the events the store could not filter out removed, and WorkOS events
 * with the actor type their client sent.
 */
async function* matching(pages: AsyncIterable<readonly string[]>, request: WorkosExportRequest) {
  for await (const page of pages) {
    const out: string[] = [];
    for (const json of page) {
      // Only events that came through the WorkOS API, or that a list filter must look at, are parsed.
      const workos = json.includes('"workos"');
      if (!workos && !needsCheck(request)) {
        out.push(json);
        continue;
      }
      const event = JSON.parse(json) as StoredEvent;
      if (!exportMatches(request, event)) continue;
      const shown = asSentByWorkos(event);
      out.push(shown === event ? json : JSON.stringify(shown));
    }
    yield out;
  }
}

function needsCheck(request: WorkosExportRequest): boolean {
  return Boolean(
    request.actor_names?.length || request.targets?.length || (request.actor_ids?.length ?? 0) > 1,
  );
}

export function workosExportRoutes(app: TypeBoxApp, ctx: AppContext): void {
  app.post(
    '/audit_logs/exports',
    {
      schema: {
        tags: ['workos'],
        summary: 'WorkOS-compatible: create an export of a time range, optionally filtered',
        body: Type.Object({
          organization_id: Type.String(),
          range_start: Type.String(),
          range_end: Type.String(),
        }),
        response: { 201: ExportObject },
      },
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? () => true : undefined)!,
    },
    async (request, reply) => {
      const body = parseExportRequest(request.body);
      const access = await authorize(request, ctx, 'exportAuditLog', body.organization_id);
      const created = await createAuditLogExport(ctx, access.org, body, causeOf(request, access));
      return reply
        .code(201)
        .send(await exportObject(ctx, request, access.org, created.id, created.created_at));
    },
  );

  orgScopedRoutes(app, ctx, { tag: 'workos', need: 'exportAuditLog' }).get(
    '/audit_logs/exports/:id',
    {
      summary: 'WorkOS-compatible: an export, with a freshly signed download URL',
      params: ExportParams,
      response: { 200: ExportObject },
    },
    async ({ access, params: { id }, request }) => {
      const event = await exportEvent(ctx, access.org, id);
      return exportObject(ctx, request, access.org, id, event.occurred_at);
    },
  );

  app.get(
    '/audit_logs/exports/:id/download',
    {
      exposeHeadRoute: false,
      schema: {
        tags: ['workos'],
        summary: "WorkOS-compatible: an export's CSV (the signed URL; no API key)",
        params: ExportParams,
        querystring: Type.Object({
          org: Type.String({ maxLength: 128 }),
          expires: Type.String({ maxLength: 20 }),
          signature: Type.String({ maxLength: 128 }),
        }),
        security: [],
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { org, expires, signature } = request.query;
      const signed = { org, id, expires: Number(expires), signature };
      if (!validSignature(await urlSecrets(ctx), signed, ctx.now().getTime())) {
        throw new AppError('not_found', 'this export link is not valid or has expired; get the export again');
      }
      const exportRequest = exportRequestOf(await exportEvent(ctx, org, id));
      const cause = { principal: null, origin: originOf(request) };
      const onEnd = (rows: number, completed: boolean) => {
        audited(ctx, cause, async (_tx, record) => {
          record(org, 'audit_log.exported', {
            resource: { type: EXPORT_RESOURCE, id },
            description: `Audit log export ${id} downloaded as CSV (${rows} rows)`,
            metadata: { format: 'csv', rows, completed, export_id: id },
            ...(completed ? {} : { status: 'failure' as const }),
          });
        }).catch((error: unknown) =>
          request.log.error({ err: error }, 'could not record audit_log.exported'),
        );
      };
      const pages = matching(ctx.store.streamEventJsonPages(org, exportFilter(exportRequest)), exportRequest);
      return reply
        .header('content-type', CONTENT_TYPES.csv)
        .header('content-disposition', `attachment; filename="${id}.csv"`)
        .header('cache-control', 'no-store')
        .send(exportStream(pages, 'csv', onEnd));
    },
  );
}
