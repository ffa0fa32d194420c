import { Type } from '@sinclair/typebox';
import {
  CreatedStreamSchema,
  STREAM_FORMAT_NAMES,
  StreamBatchSchema,
  StreamDestinationInputSchema,
  StreamFilterSchema,
  StreamListSchema,
  StreamSchema,
  StreamTestResultSchema,
} from '../../contracts/streams.js';
import { found } from '../../domain/errors.js';
import {
  createStream,
  deleteStream,
  setStreamStatus,
  streamView,
  updateStream,
} from '../../operations/streams.js';
import type { StreamRecord } from '../../store/stream-store.js';
import { streamConsumerName } from '../../store/stream-store.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { orgScopedRoutes } from './org-scoped.js';
import { Text } from './text.js';

const StreamIdParams = Type.Object({ id: Text(1, 64) });
const Format = Type.Unsafe<(typeof STREAM_FORMAT_NAMES)[number]>({
  type: 'string',
  enum: [...STREAM_FORMAT_NAMES],
});
const Fields = {
  name: Text(1, 200),
  format: Format,
  destination: StreamDestinationInputSchema,
  filter: Type.Optional(Type.Partial(StreamFilterSchema)),
  batch: Type.Optional(Type.Partial(StreamBatchSchema)),
};

/** Streams (SPEC §8): CRUD, pause/resume, a test event; all under `manageStreams`. */
export function streamRoutes(app: TypeBoxApp, ctx: AppContext): void {
  const view = async (stream: StreamRecord) =>
    streamView(stream, await ctx.background.consumers.lag(streamConsumerName(stream.id), stream.org));
  const load = async (org: string, id: string) => {
    const stream = found(await ctx.store.streams.get(org, id), `stream ${id}`);
    return stream;
  };
  /** A change to a stream takes effect at once: the running streams are brought up to date. */
  const synced = async (stream: StreamRecord) => {
    await ctx.background.streams.sync();
    return view(stream);
  };
  const routes = orgScopedRoutes(app, ctx, { tag: 'streams', need: 'manageStreams' });

  routes.get(
    '/v1/streams',
    { summary: "The org's streams with their delivery status", response: { 200: StreamListSchema } },
    async ({ access }) => {
      const streams = await ctx.store.streams.list(access.org);
      return { data: await Promise.all(streams.map(view)) };
    },
  );

  routes.post(
    '/v1/streams',
    {
      summary: 'Create a stream: every new event, in order, to a destination',
      body: Type.Object(
        {
          ...Fields,
          start_from: Type.Optional(
            Type.Unsafe<'now' | 'beginning'>({
              type: 'string',
              enum: ['now', 'beginning'],
              description: 'now (default): events from this one on; beginning: the whole log',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      response: { 201: CreatedStreamSchema },
    },
    async ({ access, body, cause }) => {
      const { stream, generatedSecret } = await createStream(ctx, access.org, body, cause);
      const created = await synced(stream);
      return generatedSecret ? { ...created, generated_secret: generatedSecret } : created;
    },
  );

  routes.get(
    '/v1/streams/:id',
    {
      summary: 'A stream: settings (no secrets), status, lag, last success and last error',
      params: StreamIdParams,
      response: { 200: StreamSchema },
    },
    async ({ access, params }) => view(await load(access.org, params.id)),
  );

  routes.patch(
    '/v1/streams/:id',
    {
      summary: 'Change a stream; secrets left out of the destination are kept',
      params: StreamIdParams,
      body: Type.Partial(Type.Object(Fields, { additionalProperties: false })),
      response: { 200: StreamSchema },
    },
    async ({ access, params, body, cause }) =>
      synced(await updateStream(ctx, access.org, params.id, body, cause)),
  );

  routes.delete(
    '/v1/streams/:id',
    { summary: 'Delete a stream and its cursor', params: StreamIdParams },
    async ({ access, params, cause }) => {
      await deleteStream(ctx, access.org, params.id, cause);
      await ctx.background.streams.sync();
    },
  );

  for (const [verb, status] of [
    ['pause', 'paused'],
    ['resume', 'active'],
  ] as const) {
    routes.post(
      `/v1/streams/:id/${verb}`,
      {
        summary:
          verb === 'pause'
            ? 'Pause a stream: nothing is sent; its cursor waits'
            : 'Resume a stream from its cursor',
        params: StreamIdParams,
        response: { 200: StreamSchema },
      },
      async ({ access, params, cause }) => {
        const reason = status === 'paused' ? 'paused by a person' : null;
        return synced(await setStreamStatus(ctx, access.org, params.id, status, reason, cause));
      },
    );
  }

  routes.post(
    '/v1/streams/:id/test',
    {
      summary: 'Send one test event (action trailmark.stream_test) to the destination and say how it went',
      params: StreamIdParams,
      response: { 200: StreamTestResultSchema },
    },
    async ({ access, params }) => ctx.background.streams.sendTest(await load(access.org, params.id)),
  );
}
