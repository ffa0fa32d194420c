import { Type } from '@sinclair/typebox';
import {
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  AlertListSchema,
  AlertSchema,
  type AlertSeverity,
  type AlertStatus,
  DetectorListSchema,
  type DetectorView,
} from '../../contracts/alerts.js';
import { found, validationError } from '../../domain/errors.js';
import { updateDetectors } from '../../operations/alert-rules.js';
import { acknowledgeAlert, resolveAlert } from '../../operations/alerts.js';
import type { AlertRecord } from '../../store/alert-store.js';
import {
  DETECTOR_IDS,
  DETECTORS,
  type DetectorOverrides,
  DetectorOverridesSchema,
  detectorOverridesProblems,
  resolveDetectorSettings,
} from '../../workers/alerts/index.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { alertView } from './alert-views.js';
import { orgScopedRoutes } from './org-scoped.js';
import { IdParams } from './schemas.js';

/**
 * The detectors' settings schema without its defaults: Fastify's validator fills defaults in,
 * and a PATCH must store only what was sent.
 */
function withoutDefaults<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(withoutDefaults) as T;
  if (!schema || typeof schema !== 'object') return schema;
  const copy: Record<string | symbol, unknown> = {};
  for (const key of Reflect.ownKeys(schema)) {
    if (key === 'default' || key === '$id') continue;
    copy[key] = withoutDefaults((schema as Record<string | symbol, unknown>)[key]);
  }
  return copy as T;
}
const DetectorPatchSchema = withoutDefaults(DetectorOverridesSchema);

const AlertQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ description: 'open, acknowledged, resolved; comma-separated' })),
    severity: Type.Optional(Type.String({ description: 'low, medium, high, critical; comma-separated' })),
    source: Type.Optional(Type.String({ description: 'a detector id or a rule id' })),
    limit: Type.Optional(Type.String({ description: '1 to 200, default 50' })),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page' })),
    org: Type.Optional(Type.String({ description: 'organization, for sessions and deployment keys' })),
  },
  { additionalProperties: false },
);

function listOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  path: string,
): T[] | undefined {
  if (value === undefined || value === '') return undefined;
  const items = value.split(',').map((s) => s.trim());
  const bad = items.find((s) => !(allowed as readonly string[]).includes(s));
  if (bad !== undefined) {
    throw validationError([{ path, message: `${bad} is not one of ${allowed.join(', ')}` }]);
  }
  return items as T[];
}

async function withDeliveries(ctx: AppContext, org: string, alerts: AlertRecord[]) {
  const [deliveries, channels] = await Promise.all([
    ctx.store.alerts.deliveriesOf(
      org,
      alerts.map((a) => a.id),
    ),
    ctx.store.alerts.listChannels(org),
  ]);
  const byId = new Map(channels.map((c) => [c.id, c]));
  return alerts.map((a) => alertView(a, deliveries, byId));
}

export function alertRoutes(app: TypeBoxApp, ctx: AppContext): void {
  const routes = orgScopedRoutes(app, ctx, { tag: 'alerts', need: 'manageAlerts' });

  routes.get(
    '/v1/alerts',
    {
      summary: 'Alerts, newest first, filtered (manageAlerts)',
      querystring: AlertQuery,
      response: { 200: AlertListSchema },
    },
    async ({ access, query: q }) => {
      const limit = q.limit === undefined ? 50 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
        throw validationError([{ path: '/query/limit', message: 'must be an integer from 1 to 200' }]);
      }
      if (q.cursor !== undefined && !/^alert_[0-9a-z]{26}$/.test(q.cursor)) {
        throw validationError([{ path: '/query/cursor', message: 'is not a cursor this list gave' }]);
      }
      const status = listOf<AlertStatus>(q.status, ALERT_STATUSES, '/query/status');
      const severity = listOf<AlertSeverity>(q.severity, ALERT_SEVERITIES, '/query/severity');
      const source = q.source?.includes('\u0000') ? undefined : q.source;
      const rows = await ctx.store.alerts.listAlerts(access.org, {
        ...(status ? { status } : {}),
        ...(severity ? { severity } : {}),
        ...(source ? { source_id: source } : {}),
        ...(q.cursor ? { before: q.cursor } : {}),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        data: await withDeliveries(ctx, access.org, page),
        next_cursor: rows.length > limit ? page[page.length - 1]!.id : null,
      };
    },
  );

  routes.get(
    '/v1/alerts/:id',
    {
      summary: 'One alert with its deliveries (manageAlerts)',
      params: IdParams,
      response: { 200: AlertSchema },
    },
    async ({ access, params }) => {
      const alert = found(await ctx.store.alerts.getAlert(access.org, params.id), `alert ${params.id}`);
      return (await withDeliveries(ctx, access.org, [alert]))[0]!;
    },
  );

  for (const [verb, change] of [
    ['acknowledge', acknowledgeAlert],
    ['resolve', resolveAlert],
  ] as const) {
    routes.post(
      `/v1/alerts/:id/${verb}`,
      {
        summary: `${verb === 'acknowledge' ? 'Acknowledge' : 'Resolve'} an alert, recorded as alert.${verb}d (manageAlerts)`,
        params: IdParams,
        response: { 200: AlertSchema },
      },
      async ({ access, params, cause }) => {
        const alert = await change(ctx, access.org, params.id, cause);
        return (await withDeliveries(ctx, access.org, [alert]))[0]!;
      },
    );
  }

  const detectorList = async (org: string): Promise<{ data: DetectorView[] }> => {
    const overrides = (await ctx.store.alerts.settings(org)).detectors as DetectorOverrides;
    const settings = resolveDetectorSettings(overrides);
    return {
      data: DETECTOR_IDS.map((id) => ({
        id,
        name: DETECTORS[id].name,
        description: DETECTORS[id].description,
        settings: settings[id] as Record<string, unknown>,
        defaults: DETECTORS[id].defaults as Record<string, unknown>,
        overrides: (overrides[id] ?? {}) as Record<string, unknown>,
      })),
    };
  };

  routes.get(
    '/v1/alert-detectors',
    {
      summary: "The built-in detectors with the organization's settings (manageAlerts)",
      response: { 200: DetectorListSchema },
    },
    ({ access }) => detectorList(access.org),
  );

  routes.patch(
    '/v1/alert-detectors',
    {
      summary: 'Change detector settings: per detector, the settings given (manageAlerts; detector.updated)',
      body: DetectorPatchSchema,
      response: { 200: DetectorListSchema },
    },
    async ({ access, change, body }) => {
      const problems = detectorOverridesProblems(body);
      if (problems.length) throw validationError(problems);
      await updateDetectors(change, body as Record<string, Record<string, unknown>>);
      return detectorList(access.org);
    },
  );
}
