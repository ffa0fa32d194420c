import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  invalidRetraced,
  MAX_BULK_EVENTS,
  parseRetracedEvent,
  type RetracedEvent,
  retracedEventIssues,
  toTrailmarkEvent,
} from '../../compat/retraced/event.js';
import { retracedHash } from '../../compat/retraced/hash.js';
import { MAX_PAGE_SIZE, parseRetracedSearch, retracedNode } from '../../compat/retraced/search.js';
import { MAX_REQUEST_BYTES } from '../../contracts/event-schema.js';
import { AppError } from '../../domain/errors.js';
import type { EventInput, StoredEvent } from '../../domain/event.js';
import type { Grant } from '../../domain/permissions.js';
import { prepareEvent } from '../../domain/prepare-event.js';
import { type Cursor, decodeCursor, type EventFilter, encodeCursor } from '../../domain/query.js';
import { parseIngestBody } from '../../domain/validate.js';
import { mintViewerToken } from '../../operations/viewer-tokens.js';
import type { EventPage } from '../../store/store.js';
import { type Access, authenticate, authorize, causeOf, originOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { ingestAccess } from '../ingest-access.js';

/**
 * The Retraced publisher API, as the official `@retracedhq/retraced` client calls it
 * (COMPAT-WIRE.md §2), mounted under `/auditlog/publisher/v1` and `/publisher/v1`. `group.id` is
 * the Trailmark org; the project id in the path is not checked (a deployment key's events with
 * no group go to the org it names). Errors are rendered by sendRetracedError (compat-errors.ts).
 */

/** Retraced sends `token=KEY` (publishing) and `Token token=KEY` (viewer tokens, search). */
export function acceptRetracedAuthorization(scope: FastifyInstance): void {
  scope.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const key = header === undefined ? undefined : /token=(.+)/.exec(header)?.[1]?.trim();
    if (key) request.headers.authorization = `Bearer ${key}`;
  });
}

const ProjectParams = Type.Object({ projectId: Type.String({ minLength: 1, maxLength: 128 }) });
const Acknowledgement = Type.Object({ id: Type.String(), hash: Type.String() });

/** The org an event or request names: its group, or for a deployment key the project. */
async function orgFor(request: FastifyRequest, ctx: AppContext, group: string | undefined, project: string) {
  if (group !== undefined) return group;
  const { principal } = await authenticate(request, ctx);
  return principal.type === 'api_key' && principal.org === null ? project : undefined;
}

async function access(
  request: FastifyRequest,
  ctx: AppContext,
  need: Grant,
  group: string | undefined,
  project: string,
): Promise<Access> {
  const org = await orgFor(request, ctx, group, project);
  return need === 'writeEvents' ? ingestAccess(request, ctx, org) : authorize(request, ctx, need, org);
}

/** Trailmark's own rules on the mapped event (sizes, time bounds), reported at the event's index. */
function trailmarkInput(event: RetracedEvent, nowMs: number, prefix: string): EventInput {
  try {
    return parseIngestBody(toTrailmarkEvent(event), nowMs)[0]!;
  } catch (error) {
    if (!(error instanceof AppError) || !error.errors) throw error;
    throw invalidRetraced(error.errors, prefix);
  }
}

export function retracedRoutes(app: TypeBoxApp, ctx: AppContext): void {
  app.post(
    '/publisher/v1/project/:projectId/event',
    {
      bodyLimit: MAX_REQUEST_BYTES,
      schema: {
        tags: ['retraced'],
        summary: "Retraced-compatible: record one event; answers its id and Retraced's canonical hash",
        params: ProjectParams,
        body: Type.Object({ action: Type.String() }),
        response: { 201: Acknowledgement },
      },
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? () => true : undefined)!,
    },
    async (request, reply) => {
      const now = ctx.now();
      const event = parseRetracedEvent(request.body);
      const input = trailmarkInput(event, now.getTime(), '');
      const { org } = await access(request, ctx, 'writeEvents', event.group?.id, request.params.projectId);
      const [stored] = await ctx.queue.submit(org, [prepareEvent(input, org, now, ctx.enricher)]);
      return reply.code(201).send({ id: stored!.id, hash: retracedHash(stored!.id, event) });
    },
  );

  app.post(
    '/publisher/v1/project/:projectId/event/bulk',
    {
      bodyLimit: MAX_REQUEST_BYTES,
      schema: {
        tags: ['retraced'],
        summary:
          'Retraced-compatible: record up to 50 events, all or none checked; answers [{id, hash}] in order',
        params: ProjectParams,
        body: Type.Object({ events: Type.Array(Type.Object({})) }),
        response: { 201: Type.Array(Acknowledgement) },
      },
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? () => true : undefined)!,
    },
    async (request, reply) => {
      const now = ctx.now();
      const body = request.body as unknown;
      const events =
        typeof body === 'object' && body !== null ? (body as { events?: unknown }).events : undefined;
      if (!Array.isArray(events) || events.length === 0 || events.length > MAX_BULK_EVENTS) {
        throw invalidRetraced([
          { path: '/events', message: `must be an array of 1 to ${MAX_BULK_EVENTS} events` },
        ]);
      }
      const issues = events.flatMap((e, i) =>
        retracedEventIssues(e).map((issue) => ({
          ...issue,
          path: `/events/${i}${issue.path === '/' ? '' : issue.path}`,
        })),
      );
      if (issues.length) throw invalidRetraced(issues);
      const checked = events as RetracedEvent[];
      const inputs = checked.map((e, i) => trailmarkInput(e, now.getTime(), `/events/${i}`));
      // One org per group: each is authorized before anything is stored, then stored in one go.
      const byOrg = new Map<string, number[]>();
      for (const [i, event] of checked.entries()) {
        const { org } = await access(request, ctx, 'writeEvents', event.group?.id, request.params.projectId);
        byOrg.set(org, [...(byOrg.get(org) ?? []), i]);
      }
      const acks: Array<{ id: string; hash: string }> = new Array(checked.length);
      await Promise.all(
        [...byOrg].map(async ([org, indexes]) => {
          const pending = indexes.map((i) => prepareEvent(inputs[i]!, org, now, ctx.enricher));
          const stored = await ctx.queue.submit(org, pending);
          stored.forEach((s, k) => {
            const i = indexes[k]!;
            acks[i] = { id: s.id, hash: retracedHash(s.id, checked[i]!) };
          });
        }),
      );
      return reply.code(201).send(acks);
    },
  );

  app.get(
    '/publisher/v1/project/:projectId/viewertoken',
    {
      schema: {
        tags: ['retraced'],
        summary: 'Retraced-compatible: a Trailmark viewer token for a group (an actor only, unless is_admin)',
        params: ProjectParams,
        querystring: Type.Object({
          group_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          actor_id: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
          is_admin: Type.Optional(Type.String({ enum: ['true', 'false'] })),
          view_log_action: Type.Optional(Type.String({ maxLength: 256 })),
          team_id: Type.Optional(Type.String({ maxLength: 128 })),
          target_id: Type.Optional(Type.String({ maxLength: 256 })),
        }),
        response: { 201: Type.Object({ token: Type.String() }) },
      },
    },
    async (request, reply) => {
      const { query } = request;
      const granted = await access(
        request,
        ctx,
        'mintViewerTokens',
        query.group_id,
        request.params.projectId,
      );
      const admin = query.is_admin === 'true';
      if (!admin && query.actor_id === undefined) {
        throw invalidRetraced([{ path: '/query/actor_id', message: 'required unless is_admin is true' }]);
      }
      const minted = await mintViewerToken(
        { deps: ctx, org: granted.org, cause: causeOf(request, granted) },
        admin ? {} : { actor: query.actor_id! },
      );
      return reply.code(201).send({ token: minted.token });
    },
  );

  app.post(
    '/publisher/v1/project/:projectId/graphql',
    {
      schema: {
        tags: ['retraced'],
        summary: 'Retraced-compatible: search, newest first (query, last, before)',
        params: ProjectParams,
        body: Type.Object({
          query: Type.Optional(Type.String({ maxLength: 10_000 })),
          variables: Type.Optional(
            Type.Object({
              query: Type.Optional(Type.String({ maxLength: 4096 })),
              last: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE })),
              before: Type.Optional(Type.String({ maxLength: 256 })),
            }),
          ),
        }),
      },
    },
    async (request) => {
      const granted = await access(request, ctx, 'viewAuditLog', undefined, request.params.projectId);
      const variables = request.body.variables ?? {};
      const search = parseRetracedSearch(variables.query ?? '', ctx.now().getTime());
      const size = variables.last ?? 20;
      let cursor = variables.before ? decodeCursor(variables.before) : undefined;
      if (variables.before && !cursor)
        throw invalidRetraced([{ path: '/variables/before', message: 'is not a cursor' }]);
      const query: EventFilter = { ...search.filter, ...(granted.scope ? { scope: granted.scope } : {}) };
      await ctx.views.viewed(granted.org, granted.principal, originOf(request), query);
      const edges: Array<{ cursor: string; node: Record<string, unknown> }> = [];
      // After a full page, scanning goes on to the next match: one exists means an older page does.
      let hasPreviousPage = false;
      scan: for (;;) {
        const page = await ctx.store.listEvents(granted.org, {
          ...query,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        });
        for (const event of page.events) {
          if (!search.matches(event)) continue;
          if (edges.length === size) {
            hasPreviousPage = true;
            break scan;
          }
          edges.push({
            cursor: encodeCursor({ occurredAt: Date.parse(event.occurred_at), seq: event.seq }),
            node: retracedNode(event),
          });
        }
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      return {
        data: {
          search: {
            totalCount: await countMatches(ctx, granted.org, query, search.matches),
            pageInfo: { hasPreviousPage },
            edges,
          },
        },
      };
    },
  );
}

/** How many events match, scanning at most COUNT_SCAN_MAX (beyond it the count is a lower bound). */
const COUNT_SCAN_MAX = 100_000;

async function countMatches(
  ctx: AppContext,
  org: string,
  filter: EventFilter,
  matches: (event: StoredEvent) => boolean,
): Promise<number> {
  let count = 0;
  let scanned = 0;
  let cursor: Cursor | null = null;
  while (scanned < COUNT_SCAN_MAX) {
    const page: EventPage = await ctx.store.listEvents(org, {
      ...filter,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    scanned += page.events.length;
    for (const event of page.events) if (matches(event)) count += 1;
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return count;
}
