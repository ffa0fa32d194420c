import type { Static, TObject } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Grant } from '../../domain/permissions.js';
import { type Access, authorize } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';

/** A DELETE of one resource of the caller's org, named by the path's parameters. */
export interface DeleteRoute<P extends TObject> {
  url: string;
  /** The OpenAPI tag of the route's group. */
  tag: string;
  summary: string;
  params: P;
  /** What the caller needs in the org. */
  need: Grant;
}

/**
 * Declares a DELETE route: the caller is authorized for `need`, the operation (which records its
 * own event) removes the resource, and the answer is 204 with no body.
 */
export function deleteRoute<P extends TObject>(
  app: TypeBoxApp,
  ctx: AppContext,
  route: DeleteRoute<P>,
  remove: (access: Access, params: Static<P>, request: FastifyRequest) => Promise<void>,
): void {
  const schema = { tags: [route.tag], summary: route.summary, params: route.params };
  app.delete(route.url, { schema }, async (request, reply) => {
    const access = await authorize(request, ctx, route.need);
    // Fastify checked the params against `route.params` before this runs; TypeScript cannot
    // follow a schema left generic to its static type.
    await remove(access, request.params as Static<P>, request);
    return reply.code(204).send();
  });
}
