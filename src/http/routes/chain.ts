import type { FastifyInstance } from 'fastify';
import { authorize } from '../auth.js';
import type { AppContext } from '../context.js';

export function chainRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/v1/chain',
    { schema: { tags: ['integrity'], summary: "The org's chain head" } },
    async (request) => {
      const access = await authorize(request, ctx, 'viewAuditLog');
      const head = await ctx.store.chainHead(access.org);
      return { org: access.org, head };
    },
  );
}
