import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { RoleList } from '../../contracts/api.js';
import { PERMISSIONS, type Permission } from '../../domain/permissions.js';
import { listRoles, roleView } from '../../identity/roles.js';
import { createRole, deleteRole, updateRole } from '../../operations/roles.js';
import { authorize, causeOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { Text } from './text.js';

const Permissions = Type.Array(Type.Union(PERMISSIONS.map((p) => Type.Literal(p))), { maxItems: 32 });
const Name = Text(1, 64);
const RoleIdParams = Type.Object({ id: Text(0, 128) });

export function roleRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/v1/roles',
    {
      schema: {
        tags: ['roles'],
        summary: 'Built-in and custom roles with their permissions (manageMembers)',
      },
    },
    async (request): Promise<RoleList> => {
      const access = await authorize(request, ctx, 'manageMembers');
      return { data: await listRoles(ctx.store, access.org), permissions: PERMISSIONS };
    },
  );

  app.post(
    '/v1/roles',
    {
      schema: {
        tags: ['roles'],
        summary: 'Create a custom role (manageMembers; only permissions you hold)',
        body: Type.Object({ name: Name, permissions: Permissions }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const access = await authorize(request, ctx, 'manageMembers');
      const body = request.body as { name: string; permissions: Permission[] };
      const created = await createRole(ctx, access.org, body, access.grants, causeOf(request, access));
      return reply.code(201).send(roleView(created));
    },
  );

  app.patch(
    '/v1/roles/:id',
    {
      schema: {
        tags: ['roles'],
        summary: 'Rename a custom role or change its permissions (manageMembers)',
        params: RoleIdParams,
        body: Type.Object(
          { name: Type.Optional(Name), permissions: Type.Optional(Permissions) },
          { additionalProperties: false, minProperties: 1 },
        ),
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageMembers');
      const { id } = request.params as { id: string };
      const body = request.body as { name?: string; permissions?: Permission[] };
      const updated = await updateRole(ctx, access.org, id, body, access.grants, causeOf(request, access));
      return roleView(updated);
    },
  );

  app.delete(
    '/v1/roles/:id',
    {
      schema: {
        tags: ['roles'],
        summary: 'Delete a custom role nobody holds (manageMembers)',
        params: RoleIdParams,
      },
    },
    async (request, reply) => {
      const access = await authorize(request, ctx, 'manageMembers');
      const { id } = request.params as { id: string };
      await deleteRole(ctx, access.org, id, access.grants, causeOf(request, access));
      return reply.code(204).send();
    },
  );
}
