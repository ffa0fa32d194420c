import { Type } from '@sinclair/typebox';
import { AlertRuleListSchema, AlertRuleSchema } from '../../contracts/alerts.js';
import { found } from '../../domain/errors.js';
import {
  createAlertRule,
  deleteAlertRule,
  type RuleDefinition,
  updateAlertRule,
} from '../../operations/alert-rules.js';
import { AlertRuleInputSchema, parseAlertRule } from '../../workers/alerts/index.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { ruleView } from './alert-views.js';
import { listOf, orgScopedRoutes } from './org-scoped.js';
import { IdParams } from './schemas.js';
import { Text } from './text.js';

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
  const routes = orgScopedRoutes(app, ctx, { tag: 'alerts', need: 'manageAlerts' });

  routes.get(
    '/v1/alert-rules',
    { summary: 'Custom alert rules (manageAlerts)', response: { 200: AlertRuleListSchema } },
    listOf((org) => ctx.store.alerts.listRules(org), ruleView),
  );

  routes.post(
    '/v1/alert-rules',
    {
      summary: 'Create a custom alert rule (manageAlerts; alert_rule.created)',
      body: RuleBody,
      response: { 201: AlertRuleSchema },
    },
    async ({ change, body }) => ruleView(await createAlertRule(change, definitionOf(body))),
  );

  routes.get(
    '/v1/alert-rules/:id',
    { summary: 'One custom alert rule (manageAlerts)', params: IdParams, response: { 200: AlertRuleSchema } },
    async ({ access, params }) => {
      const rule = found(await ctx.store.alerts.getRule(access.org, params.id), `alert rule ${params.id}`);
      return ruleView(rule);
    },
  );

  routes.put(
    '/v1/alert-rules/:id',
    {
      summary:
        'Replace a custom alert rule; what is left out takes its default (manageAlerts; alert_rule.updated)',
      params: IdParams,
      body: RuleBody,
      response: { 200: AlertRuleSchema },
    },
    async ({ change, params, body }) =>
      ruleView(await updateAlertRule(change, params.id, definitionOf(body))),
  );

  routes.delete(
    '/v1/alert-rules/:id',
    {
      summary: 'Delete a custom alert rule; its alerts stay (manageAlerts; alert_rule.deleted)',
      params: IdParams,
    },
    ({ change, params }) => deleteAlertRule(change, params.id),
  );
}
