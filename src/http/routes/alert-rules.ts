import { Type } from '@sinclair/typebox';
import { AlertRuleListSchema, AlertRuleSchema } from '../../contracts/alerts.js';
import { AppError } from '../../domain/errors.js';
import {
  createAlertRule,
  deleteAlertRule,
  type RuleDefinition,
  updateAlertRule,
} from '../../operations/alert-rules.js';
import { AlertRuleInputSchema, parseAlertRule } from '../../workers/alerts/index.js';
import { authorize, causeOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { ruleView } from './alert-views.js';
import { deleteRoute } from './delete-route.js';
import { Text } from './text.js';

const RuleIdParams = Type.Object({ id: Text(1, 128) });

/** The engine's rule, plus the channels its alerts go to. */
const RuleBody = Type.Object(
  {
    ...AlertRuleInputSchema.properties,
    channel_ids: Type.Optional(
      Type.Union([Type.Array(Text(1, 128), { maxItems: 50 }), Type.Null()], {
        description: 'channels its alerts go to; omitted or null: every enabled channel',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The body checked by the engine's own parser, as stored. */
function definitionOf(body: Record<string, unknown>): RuleDefinition {
  const { channel_ids, ...input } = body;
  const { name, enabled, ...spec } = parseAlertRule(input);
  return {
    name,
    enabled,
    spec,
    channel_ids:
      channel_ids === undefined || channel_ids === null ? null : [...new Set(channel_ids as string[])],
  };
}

export function alertRuleRoutes(app: TypeBoxApp, ctx: AppContext): void {
  app.get(
    '/v1/alert-rules',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Custom alert rules (manageAlerts)',
        response: { 200: AlertRuleListSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageAlerts');
      return { data: (await ctx.store.alerts.listRules(access.org)).map(ruleView) };
    },
  );

  app.post(
    '/v1/alert-rules',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Create a custom alert rule (manageAlerts; alert_rule.created)',
        body: RuleBody,
        response: { 201: AlertRuleSchema },
      },
    },
    async (request, reply) => {
      const access = await authorize(request, ctx, 'manageAlerts');
      const rule = await createAlertRule(
        ctx,
        access.org,
        definitionOf(request.body),
        causeOf(request, access),
      );
      return reply.code(201).send(ruleView(rule));
    },
  );

  app.get(
    '/v1/alert-rules/:id',
    {
      schema: {
        tags: ['alerts'],
        summary: 'One custom alert rule (manageAlerts)',
        params: RuleIdParams,
        response: { 200: AlertRuleSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageAlerts');
      const rule = await ctx.store.alerts.getRule(access.org, request.params.id);
      if (!rule) throw new AppError('not_found', `alert rule ${request.params.id} not found`);
      return ruleView(rule);
    },
  );

  app.put(
    '/v1/alert-rules/:id',
    {
      schema: {
        tags: ['alerts'],
        summary:
          'Replace a custom alert rule; what is left out takes its default (manageAlerts; alert_rule.updated)',
        params: RuleIdParams,
        body: RuleBody,
        response: { 200: AlertRuleSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageAlerts');
      const rule = await updateAlertRule(
        ctx,
        access.org,
        request.params.id,
        definitionOf(request.body),
        causeOf(request, access),
      );
      return ruleView(rule);
    },
  );

  deleteRoute(
    app,
    ctx,
    {
      url: '/v1/alert-rules/:id',
      tag: 'alerts',
      summary: 'Delete a custom alert rule; its alerts stay (manageAlerts; alert_rule.deleted)',
      params: RuleIdParams,
      need: 'manageAlerts',
    },
    (access, { id }, request) => deleteAlertRule(ctx, access.org, id, causeOf(request, access)),
  );
}
