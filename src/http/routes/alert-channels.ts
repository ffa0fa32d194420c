import { Type } from '@sinclair/typebox';
import {
  ALERT_SEVERITIES,
  AlertChannelListSchema,
  AlertChannelSchema,
  CHANNEL_TYPES,
  ChannelTestResultSchema,
  CreatedAlertChannelSchema,
} from '../../contracts/alerts.js';
import { found } from '../../domain/errors.js';
import {
  createAlertChannel,
  deleteAlertChannel,
  updateAlertChannel,
} from '../../operations/alert-channels.js';
import { sendAlert, testAlert } from '../../workers/alerts/notify.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { channelView } from './alert-views.js';
import { listOf, orgScopedRoutes } from './org-scoped.js';
import { IdParams } from './schemas.js';
import { Email, Text } from './text.js';

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

const Fields = {
  name: Text(1, 200),
  enabled: Type.Boolean(),
  min_severity: literals(ALERT_SEVERITIES),
  url: Text(1, 2048, 'webhook: where to post; slack: the incoming-webhook URL (write-only)'),
  to: Type.Array(Email, { minItems: 1, maxItems: 20, description: 'email: the recipients' }),
  secret: Text(1, 256, 'webhook: the whsec_ signing secret (write-only); generated when omitted'),
};

const CreateBody = Type.Object(
  {
    name: Fields.name,
    type: literals(CHANNEL_TYPES),
    enabled: Type.Optional(Fields.enabled),
    min_severity: Type.Optional(Fields.min_severity),
    url: Type.Optional(Fields.url),
    to: Type.Optional(Fields.to),
    secret: Type.Optional(Fields.secret),
  },
  { additionalProperties: false },
);

const UpdateBody = Type.Object(
  {
    name: Type.Optional(Fields.name),
    enabled: Type.Optional(Fields.enabled),
    min_severity: Type.Optional(Fields.min_severity),
    url: Type.Optional(Fields.url),
    to: Type.Optional(Fields.to),
    secret: Type.Optional(Fields.secret),
  },
  { additionalProperties: false, minProperties: 1 },
);

export function alertChannelRoutes(app: TypeBoxApp, ctx: AppContext): void {
  const routes = orgScopedRoutes(app, ctx, { tag: 'alerts', need: 'manageAlerts' });

  routes.get(
    '/v1/alert-channels',
    {
      summary: 'Notification channels; secrets are never shown (manageAlerts)',
      response: { 200: AlertChannelListSchema },
    },
    listOf((org) => ctx.store.alerts.listChannels(org), channelView),
  );

  routes.post(
    '/v1/alert-channels',
    {
      summary: 'Create a channel: signed webhook, email or Slack (manageAlerts; alert_channel.created)',
      body: CreateBody,
      response: { 201: CreatedAlertChannelSchema },
    },
    async ({ change, body }) => {
      const { channel, generatedSecret } = await createAlertChannel(change, body);
      return { ...channelView(channel), ...(generatedSecret ? { secret: generatedSecret } : {}) };
    },
  );

  routes.patch(
    '/v1/alert-channels/:id',
    {
      summary: 'Change a channel (manageAlerts; alert_channel.updated)',
      params: IdParams,
      body: UpdateBody,
      response: { 200: AlertChannelSchema },
    },
    async ({ change, params, body }) => channelView(await updateAlertChannel(change, params.id, body)),
  );

  routes.delete(
    '/v1/alert-channels/:id',
    { summary: 'Delete a channel no rule names (manageAlerts; alert_channel.deleted)', params: IdParams },
    ({ change, params }) => deleteAlertChannel(change, params.id),
  );

  routes.post(
    '/v1/alert-channels/:id/test',
    {
      summary: 'Send a test message to a channel now, once, and say how it went (manageAlerts)',
      params: IdParams,
      response: { 200: ChannelTestResultSchema },
    },
    async ({ access, params }) => {
      const channel = found(
        await ctx.store.alerts.getChannel(access.org, params.id),
        `alert channel ${params.id}`,
      );
      const result = await sendAlert(channel, testAlert(access.org, ctx.now()), ctx.alerting.notify, {
        test: true,
      });
      return result.outcome === 'delivered'
        ? { ok: true, detail: 'delivered' }
        : { ok: false, detail: result.reason };
    },
  );
}
