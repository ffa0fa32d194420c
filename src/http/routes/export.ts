import type { FastifyInstance } from 'fastify';
import { describeFilter, parseEventQuery, type QueryParams } from '../../domain/query.js';
import { asJson, CONTENT_TYPES, type ExportFormat, exportStream } from '../../export/export-stream.js';
import { selfEvent } from '../../operations/self-event.js';
import { authorize, originOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { FilterQuerySchema } from './schemas.js';

export function exportRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { store, enricher, metrics } = ctx;

  for (const format of ['csv', 'jsonl'] as const satisfies readonly ExportFormat[]) {
    app.get(
      `/v1/events/export.${format}`,
      {
        // A HEAD would run the whole export and record rows the client never received.
        exposeHeadRoute: false,
        schema: {
          tags: ['events'],
          summary: `Stream every event matching the filters as ${format.toUpperCase()}, newest first`,
          querystring: FilterQuerySchema,
        },
      },
      async (request, reply) => {
        const access = await authorize(request, ctx, 'exportAuditLog');
        const filter = parseEventQuery(request.query as QueryParams, ctx.now().getTime());
        if (access.scope) filter.scope = access.scope;
        const origin = originOf(request);
        const stamp = ctx.now().toISOString().slice(0, 19).replaceAll(':', '');
        const events =
          store.streamEventJson?.(access.org, filter) ?? asJson(store.streamEvents(access.org, filter));
        const stream = exportStream(events, format, (rows, completed) => {
          metrics.exportedRows.inc({ format }, rows);
          // Recorded after the last row, so the count is what was actually sent.
          const event = selfEvent(
            access.org,
            'audit_log.exported',
            access.principal,
            origin,
            {
              description: `Audit log exported as ${format.toUpperCase()} (${rows} rows)`,
              metadata: { format, rows, completed, filters: describeFilter(filter) },
              ...(completed ? {} : { status: 'failure' as const }),
            },
            enricher,
          );
          store
            .transaction((tx) => tx.appendEvents(access.org, [event]))
            .catch((error: unknown) => {
              request.log.error({ err: error }, 'could not record audit_log.exported');
            });
        });
        return reply
          .header('content-type', CONTENT_TYPES[format])
          .header('content-disposition', `attachment; filename="trailmark-${access.org}-${stamp}.${format}"`)
          .header('cache-control', 'no-store')
          .send(stream);
      },
    );
  }
}
