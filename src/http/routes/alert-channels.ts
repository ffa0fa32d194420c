import { Type } from '@sinclair/typebox';
import {
  ALERT_SEVERITIES,
  AlertChannelListSchema,
  AlertChannelSchema,
  CHANNEL_TYPES,
  ChannelTestResultSchema,
  CreatedAlertChannelSchema,
} from '../../contracts/alerts.js';
import { AppError } from '../../domain/errors.js';
import {
  createAlertChannel,
  deleteAlertChannel,
  updateAlertChannel,
} from '../../operations/alert-channels.js';
import { sendAlert, testAlert } from '../../workers/alerts/notify.js';
import { authorize, causeOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { channelView } from './alert-views.js';
import { deleteRoute } from './delete-route.js';
import { Email, Text } from './text.js';

const ChannelIdParams = Type.Object({ id: Text(1, 128) });
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
  app.get(
    '/v1/alert-channels',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Notification channels; secrets are never shown (manageAlerts)',
        response: { 200: AlertChannelListSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageAlerts');
      return { data: (await ctx.store.alerts.listChannels(access.org)).map(channelView) };
    },
  );

  app.post(
    '/v1/alert-channels',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Create a channel: signed webhook, email or Slack (manageAlerts; alert_channel.created)',
        body: CreateBody,
        response: { 201: CreatedAlertChannelSchema },
      },
    },
    async (request, reply) => {
      const access = await authorize(request, ctx, 'manageAlerts');
      const { channel, generatedSecret } = await createAlertChannel(
        ctx,
        access.org,
        request.body,
        causeOf(request, access),
      );
      return reply
        .code(201)
        .send({ ...channelView(channel), ...(generatedSecret ? { secret: generatedSecret } : {}) });
    },
  );

  app.patch(
    '/v1/alert-channels/:id',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Change a channel (manageAlerts; alert_channel.updated)',
        params: ChannelIdParams,
        body: UpdateBody,
        response: { 200: AlertChannelSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageAlerts');
      const channel = await updateAlertChannel(
        ctx,
        access.org,
        request.params.id,
        request.body,
        causeOf(request, access),
      );
      return channelView(channel);
    },
  );

  deleteRoute(
    app,
    ctx,
    {
      url: '/v1/alert-channels/:id',
      tag: 'alerts',
      summary: 'Delete a channel no rule names (manageAlerts; alert_channel.deleted)',
      params: ChannelIdParams,
      need: 'manageAlerts',
    },
    (access, { id }, request) => deleteAlertChannel(ctx, access.org, id, causeOf(request, access)),
  );

  app.post(
    '/v1/alert-channels/:id/test',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Send a test message to a channel now, once, and say how it went (manageAlerts)',
        params: ChannelIdParams,
        response: { 200: ChannelTestResultSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageAlerts');
      const channel = await ctx.store.alerts.getChannel(access.org, request.params.id);
      if (!channel) throw new AppError('not_found', `alert channel ${request.params.id} not found`);
      const result = await sendAlert(channel, testAlert(access.org, ctx.now()), ctx.alerting.notify, {
        test: true,
      });
      return result.outcome === 'delivered'
        ? { ok: true, detail: 'delivered' }
        : { ok: false, detail: result.reason };
    },
  );
}
