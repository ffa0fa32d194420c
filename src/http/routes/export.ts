import type { FastifyInstance } from 'fastify';
import { describeFilter } from '../../domain/query.js';
import { CONTENT_TYPES, type ExportFormat, exportStream } from '../../export/export-stream.js';
import { audited } from '../../operations/audited.js';
import { authorize, causeOf, scopedQuery } from '../auth.js';
import type { AppContext } from '../context.js';
import { proofExportStream, withProofOf } from './export-proof.js';
import { FilterQuerySchema } from './schemas.js';

export function exportRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { store, metrics } = ctx;

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
        const filter = scopedQuery(request, access, ctx.now());
        const proof = format === 'jsonl' ? withProofOf(request.query as Record<string, unknown>) : undefined;
        const cause = causeOf(request, access);
        const stamp = ctx.now().toISOString().slice(0, 19).replaceAll(':', '');
        const onEnd = (rows: number, completed: boolean) => {
          metrics.exportedRows.inc({ format }, rows);
          // Recorded after the last row, so the count is what was actually sent.
          audited(ctx, cause, async (_tx, record) => {
            record(access.org, 'audit_log.exported', {
              description: `Audit log exported as ${format.toUpperCase()} (${rows} rows)`,
              metadata: {
                format,
                rows,
                completed,
                filters: proof?.complete ? null : describeFilter(filter),
                ...(proof ? { with_proof: true } : {}),
              },
              ...(completed ? {} : { status: 'failure' as const }),
            });
          }).catch((error: unknown) => {
            request.log.error({ err: error }, 'could not record audit_log.exported');
          });
        };
        const stream = proof
          ? await proofExportStream(ctx, access.org, proof.complete ? undefined : filter, onEnd)
          : exportStream(store.streamEventJsonPages(access.org, filter), format, onEnd);
        return reply
          .header('content-type', CONTENT_TYPES[format])
          .header('content-disposition', `attachment; filename="trailmark-${access.org}-${stamp}.${format}"`)
          .header('cache-control', 'no-store')
          .send(stream);
      },
    );
  }
}
