import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Grant } from '../../domain/permissions.js';
import type { Principal } from '../../domain/principal.js';
import type { Cause, OrgChange } from '../../operations/audited.js';
import { type Access, authorize, causeOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';

/**
 * Routes that act in one org for a caller holding a grant there: most of /v1. The group does what
 * every such route does the same way (authorize the caller, name who causes the change, answer
 * with the status the schema declares), so each route is its schemas and its own logic.
 */

type Schema = TSchema | undefined;
type Of<T extends Schema> = T extends TSchema ? Static<T> : unknown;

/** The success answer a route declares: 200, or 201 for one that creates something. */
type Responses = { 200: TSchema } | { 201: TSchema };
type Answer<R extends Responses | undefined> = R extends { 201: infer S extends TSchema }
  ? Static<S>
  : R extends { 200: infer S extends TSchema }
    ? Static<S>
    : unknown;

export interface OrgRoute<
  P extends Schema,
  B extends Schema,
  Q extends Schema,
  R extends Responses | undefined,
> {
  summary: string;
  /** The grant the caller needs in the org, when it is not the group's. */
  need?: Grant;
  /** The org the path names (`/v1/orgs/:org`), which a session or deployment key acts in. */
  org?: (params: Of<P>) => string;
  params?: P;
  body?: B;
  querystring?: Q;
  response?: R;
}

/** Who makes the change a request asks for, and from where: what operations record in their events. */
export type RequestCause = Cause & { principal: Principal };

/** What a handler is given: the caller's access and the request's parts, checked by the schemas. */
export interface OrgRequest<P extends Schema, B extends Schema, Q extends Schema> {
  access: Access;
  params: Of<P>;
  body: Of<B>;
  query: Of<Q>;
  cause: RequestCause;
  /** The change the request asks for, in the caller's org: what the operations take. */
  change: OrgChange<RequestCause>;
  request: FastifyRequest;
}

type Handler<P extends Schema, B extends Schema, Q extends Schema, T> = (
  input: OrgRequest<P, B, Q>,
) => Promise<T>;

/** Declares a route answering what its handler returns. */
type Declare = <
  P extends Schema = undefined,
  B extends Schema = undefined,
  Q extends Schema = undefined,
  R extends Responses | undefined = undefined,
>(
  url: string,
  route: OrgRoute<P, B, Q, R>,
  handle: Handler<P, B, Q, Answer<R>>,
) => void;

/** Declares a DELETE: the handler (an operation recording its own event) removes; the answer is 204. */
type DeclareDelete = <P extends Schema = undefined>(
  url: string,
  route: OrgRoute<P, undefined, undefined, undefined>,
  remove: Handler<P, undefined, undefined, void>,
) => void;

export interface OrgScopedRoutes {
  get: Declare;
  post: Declare;
  put: Declare;
  patch: Declare;
  delete: DeclareDelete;
}

/**
 * A handler answering the caller's org's things as a list (`{ data }`), each as `view` shows it:
 * what every plain list of an org's things answers.
 */
export function listOf<T, V>(
  load: (org: string) => Promise<T[]>,
  view: (item: T) => V,
): (input: { access: Access }) => Promise<{ data: V[] }> {
  return async ({ access }) => ({ data: (await load(access.org)).map(view) });
}

/**
 * The routes of one group: `tag` is their OpenAPI tag, `need` the grant each needs unless it
 * names its own, and `check` what every route of the group refuses besides (it throws), once the
 * caller is authorized.
 */
export function orgScopedRoutes(
  app: TypeBoxApp,
  ctx: AppContext,
  group: { tag: string; need: Grant; check?: (access: Access) => void },
): OrgScopedRoutes {
  const declare =
    (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE') =>
    <P extends Schema, B extends Schema, Q extends Schema, R extends Responses | undefined, T>(
      url: string,
      route: OrgRoute<P, B, Q, R>,
      handle: Handler<P, B, Q, T>,
    ): void => {
      const { summary, need = group.need, org, params, body, querystring, response } = route;
      const schema = {
        tags: [group.tag],
        summary,
        ...(params ? { params } : {}),
        ...(body ? { body } : {}),
        ...(querystring ? { querystring } : {}),
        ...(response ? { response } : {}),
      };
      // The status is stated once, in the schema: a route that declares a 201 answer creates.
      const status = response && 201 in response ? 201 : 200;
      app.route({
        method,
        url,
        schema,
        handler: async (request, reply) => {
          // Fastify checked each part against its schema before this runs; TypeScript cannot
          // follow a schema left generic to its static type.
          const parts = request as unknown as { params: Of<P>; body: Of<B>; query: Of<Q> };
          const access = await authorize(request, ctx, need, org?.(parts.params));
          group.check?.(access);
          const cause = causeOf(request, access);
          const result = await handle({
            access,
            params: parts.params,
            body: parts.body,
            query: parts.query,
            cause,
            change: { deps: ctx, org: access.org, cause },
            request,
          });
          if (method === 'DELETE') return reply.code(204).send();
          return reply.code(status).send(result);
        },
      });
    };
  return {
    get: declare('GET'),
    post: declare('POST'),
    put: declare('PUT'),
    patch: declare('PATCH'),
    delete: declare('DELETE'),
  };
}
