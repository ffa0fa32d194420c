import { Type } from '@sinclair/typebox';
import { retentionDays } from '../../compat/workos/retention.js';
import { parseWorkosSchema, SCHEMA_RESOURCE, schemaFromEvent } from '../../compat/workos/schema.js';
import { AppError } from '../../domain/errors.js';
import type { StoredEvent } from '../../domain/event.js';
import { createAuditLogSchema } from '../../operations/audit-log-schemas.js';
import { updateOrg } from '../../operations/orgs.js';
import { authorize, causeOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { orgScopedRoutes } from './org-scoped.js';
import { recordingEvents } from './workos-records.js';

/** WorkOS-compatible schemas of actions and the org's retention (COMPAT-WIRE.md 1.3). */

const ActionParams = Type.Object({ action: Type.String({ minLength: 1, maxLength: 256 }) });
const OrgParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const Retention = Type.Object({ retention_period_in_days: Type.Union([Type.Integer(), Type.Null()]) });
/** Versions of one action's schema read at most (WorkOS lists at most 100 a page). */
const MAX_VERSIONS = 1000;

/** Every recorded version of an action's schema, newest first. */
function schemaEvents(ctx: AppContext, org: string, action: string): Promise<StoredEvent[]> {
  return recordingEvents(ctx, org, {
    action: 'audit_log_schema.created',
    resourceType: SCHEMA_RESOURCE,
    resourceId: action,
    limit: MAX_VERSIONS,
  });
}

export function workosSchemaRoutes(app: TypeBoxApp, ctx: AppContext): void {
  // The two changes check their body before the caller is authorized, where the group would
  // authorize first, so they declare their routes themselves.
  const routes = orgScopedRoutes(app, ctx, { tag: 'workos', need: 'viewAuditLog' });

  app.post(
    '/audit_logs/actions/:action/schemas',
    {
      schema: {
        tags: ['workos'],
        summary: "WorkOS-compatible: record a new version of an action's schema",
        params: ActionParams,
        body: Type.Object({ targets: Type.Array(Type.Object({ type: Type.String() })) }),
      },
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? () => true : undefined)!,
    },
    async (request, reply) => {
      const schema = parseWorkosSchema(request.body);
      const access = await authorize(request, ctx, 'manageSettings');
      const { action } = request.params;
      const version = (await schemaEvents(ctx, access.org, action)).length + 1;
      const created = await createAuditLogSchema(
        ctx,
        access.org,
        action,
        schema,
        version,
        causeOf(request, access),
      );
      return reply.code(201).send(created);
    },
  );

  routes.get(
    '/audit_logs/actions/:action/schemas',
    {
      summary: "WorkOS-compatible: the versions of an action's schema",
      params: ActionParams,
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        order: Type.Optional(Type.String({ enum: ['asc', 'desc'] })),
        before: Type.Optional(Type.String({ maxLength: 256 })),
        after: Type.Optional(Type.String({ maxLength: 256 })),
      }),
    },
    async ({ access, params, query }) => {
      const { limit = 10, order = 'desc' } = query;
      const schemas = (await schemaEvents(ctx, access.org, params.action)).map(schemaFromEvent);
      schemas.sort((a, b) => (order === 'asc' ? a.version - b.version : b.version - a.version));
      return { object: 'list', data: schemas.slice(0, limit), list_metadata: { before: null, after: null } };
    },
  );

  routes.get(
    '/organizations/:id/audit_logs_retention',
    {
      summary: "WorkOS-compatible: the org's retention in days",
      need: 'memberOfOrg',
      org: (params) => params.id,
      params: OrgParams,
      response: { 200: Retention },
    },
    async ({ access }) => {
      const org = await ctx.store.getOrg(access.org);
      if (!org) throw new AppError('not_found', `Organization not found: '${access.org}'.`);
      return { retention_period_in_days: org.retention_days };
    },
  );

  app.put(
    '/organizations/:id/audit_logs_retention',
    {
      schema: {
        tags: ['workos'],
        summary: "WorkOS-compatible: set the org's retention (1_MONTH…11_MONTHS, 1_YEAR…10_YEARS)",
        params: OrgParams,
        body: Type.Object({ retention_period: Type.String({ maxLength: 16 }) }),
        response: { 200: Retention },
      },
    },
    async (request) => {
      const days = retentionDays(request.body.retention_period);
      const access = await authorize(request, ctx, 'manageSettings', request.params.id);
      const org = await updateOrg(ctx, access.org, { retention_days: days }, causeOf(request, access));
      return { retention_period_in_days: org.retention_days };
    },
  );
}
