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
import { AppError } from '../../domain/errors.js';
import {
  createStream,
  deleteStream,
  setStreamStatus,
  streamView,
  updateStream,
} from '../../operations/streams.js';
import type { StreamRecord } from '../../store/stream-store.js';
import { streamConsumerName } from '../../store/stream-store.js';
import { authorize, causeOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
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
    const stream = await ctx.store.streams.get(org, id);
    if (!stream) throw new AppError('not_found', `stream ${id} not found`);
    return stream;
  };
  const tags = ['streams'];

  app.get(
    '/v1/streams',
    {
      schema: {
        tags,
        summary: "The org's streams with their delivery status",
        response: { 200: StreamListSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageStreams');
      const streams = await ctx.store.streams.list(access.org);
      return { data: await Promise.all(streams.map(view)) };
    },
  );

  app.post(
    '/v1/streams',
    {
      schema: {
        tags,
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
    },
    async (request, reply) => {
      const access = await authorize(request, ctx, 'manageStreams');
      const { stream, generatedSecret } = await createStream(
        ctx,
        access.org,
        request.body,
        causeOf(request, access),
      );
      await ctx.background.streams.sync();
      const body = await view(stream);
      return reply.code(201).send(generatedSecret ? { ...body, generated_secret: generatedSecret } : body);
    },
  );

  app.get(
    '/v1/streams/:id',
    {
      schema: {
        tags,
        summary: 'A stream: settings (no secrets), status, lag, last success and last error',
        params: StreamIdParams,
        response: { 200: StreamSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageStreams');
      return view(await load(access.org, request.params.id));
    },
  );

  app.patch(
    '/v1/streams/:id',
    {
      schema: {
        tags,
        summary: 'Change a stream; secrets left out of the destination are kept',
        params: StreamIdParams,
        body: Type.Partial(Type.Object(Fields, { additionalProperties: false })),
        response: { 200: StreamSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageStreams');
      const stream = await updateStream(
        ctx,
        access.org,
        request.params.id,
        request.body,
        causeOf(request, access),
      );
      await ctx.background.streams.sync();
      return view(stream);
    },
  );

  app.delete(
    '/v1/streams/:id',
    { schema: { tags, summary: 'Delete a stream and its cursor', params: StreamIdParams } },
    async (request, reply) => {
      const access = await authorize(request, ctx, 'manageStreams');
      await deleteStream(ctx, access.org, request.params.id, causeOf(request, access));
      await ctx.background.streams.sync();
      return reply.code(204).send();
    },
  );

  for (const [verb, status] of [
    ['pause', 'paused'],
    ['resume', 'active'],
  ] as const) {
    app.post(
      `/v1/streams/:id/${verb}`,
      {
        schema: {
          tags,
          summary:
            verb === 'pause'
              ? 'Pause a stream: nothing is sent; its cursor waits'
              : 'Resume a stream from its cursor',
          params: StreamIdParams,
          response: { 200: StreamSchema },
        },
      },
      async (request) => {
        const access = await authorize(request, ctx, 'manageStreams');
        const reason = status === 'paused' ? 'paused by a person' : null;
        const stream = await setStreamStatus(
          ctx,
          access.org,
          request.params.id,
          status,
          reason,
          causeOf(request, access),
        );
        await ctx.background.streams.sync();
        return view(stream);
      },
    );
  }

  app.post(
    '/v1/streams/:id/test',
    {
      schema: {
        tags,
        summary: 'Send one test event (action trailmark.stream_test) to the destination and say how it went',
        params: StreamIdParams,
        response: { 200: StreamTestResultSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageStreams');
      return ctx.background.streams.sendTest(await load(access.org, request.params.id));
    },
  );
}
