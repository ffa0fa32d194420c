import { Type } from '@sinclair/typebox';
import { ChainStatusSchema, CheckpointSchema, VerificationSchema } from '../../contracts/chain.js';
import { AppError } from '../../domain/errors.js';
import { verifyAndRecord } from '../../workers/chain-verification.js';
import { VerificationGate } from '../../workers/verification-gate.js';
import type { Access } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { orgScopedRoutes } from './org-scoped.js';

const JwkSchema = Type.Object({
  kty: Type.Literal('OKP'),
  crv: Type.Literal('Ed25519'),
  x: Type.String(),
  kid: Type.String(),
  alg: Type.Literal('EdDSA'),
  use: Type.Literal('sig'),
  status: Type.Union([Type.Literal('active'), Type.Literal('retired')]),
  created_at: Type.String(),
  retired_at: Type.Union([Type.String(), Type.Null()]),
});

/**
 * The chain is the whole org's: its head, checkpoints and verification reports count every
 * event. A viewer token narrowed to one workspace or actor sees none of them.
 */
function wholeOrg(access: Access): void {
  if (access.scope) {
    throw new AppError(
      'forbidden',
      "a viewer token for one workspace or actor does not see the organization's chain",
    );
  }
}

export function chainRoutes(app: TypeBoxApp, ctx: AppContext): void {
  const { store } = ctx;
  const verifications = new VerificationGate();

  const routes = orgScopedRoutes(app, ctx, { tag: 'integrity', need: 'viewAuditLog', check: wholeOrg });

  routes.get(
    '/v1/chain',
    {
      summary: "The org's chain head, newest signed checkpoint, retention anchor and last verification",
      response: { 200: ChainStatusSchema },
    },
    async ({ access: { org } }) => {
      const [head, checkpoint, anchor, last] = await Promise.all([
        store.chainHead(org),
        store.checkpoints.latest(org),
        store.chain.start(org),
        store.verifications.last(org),
      ]);
      return { org, head, checkpoint: checkpoint ?? null, anchor, last_verification: last ?? null };
    },
  );

  routes.get(
    '/v1/chain/checkpoints',
    {
      summary: "The org's signed checkpoints in seq order, from `from_seq`",
      querystring: Type.Object({
        from_seq: Type.Optional(
          Type.String({ pattern: '^[0-9]{1,15}$', description: 'first seq (default 1)' }),
        ),
        limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: '1 to 1000, default 100' })),
        org: Type.Optional(Type.String()),
      }),
      response: {
        200: Type.Object({
          data: Type.Array(CheckpointSchema),
          next_from_seq: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
        }),
      },
    },
    async ({ access: { org }, query }) => {
      const limit = query.limit === undefined ? 100 : Number(query.limit);
      if (limit < 1 || limit > 1000) {
        throw new AppError('validation', '/query/limit: must be 1 to 1000', {
          errors: [{ path: '/query/limit', message: 'must be 1 to 1000' }],
        });
      }
      const data = await store.checkpoints.list(org, Number(query.from_seq ?? 1), limit + 1);
      const more = data.length > limit;
      const page = more ? data.slice(0, limit) : data;
      return { data: page, next_from_seq: more ? page[page.length - 1]!.seq + 1 : null };
    },
  );

  routes.post(
    '/v1/chain/verify',
    {
      summary: "Verify the org's whole retained chain against its signed checkpoints",
      response: { 200: VerificationSchema },
    },
    async ({ access: { org } }) => {
      const keys = await ctx.background.keys.keyRing();
      return verifications.run(org, ctx.now().getTime(), () =>
        verifyAndRecord(store, org, keys, ctx.now, ctx.verify),
      );
    },
  );

  app.get(
    '/v1/signing-keys',
    {
      schema: {
        tags: ['integrity'],
        summary: 'Public keys that sign checkpoints (JWK Set; retired keys stay listed)',
        security: [],
        response: { 200: Type.Object({ keys: Type.Array(JwkSchema) }) },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return { keys: await ctx.background.keys.published() };
    },
  );
}
