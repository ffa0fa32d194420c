import { Type } from '@sinclair/typebox';
import { RoleListSchema, RoleSchema } from '../../contracts/api.js';
import { PERMISSIONS } from '../../domain/permissions.js';
import { listRoles, roleView } from '../../identity/roles.js';
import { createRole, deleteRole, updateRole } from '../../operations/roles.js';
import { authorize, causeOf } from '../auth.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { deleteRoute } from './delete-route.js';
import { Text } from './text.js';

const Permissions = Type.Array(Type.Union(PERMISSIONS.map((p) => Type.Literal(p))), { maxItems: 32 });
const Name = Text(1, 64);
const RoleIdParams = Type.Object({ id: Text(0, 128) });

export function roleRoutes(app: TypeBoxApp, ctx: AppContext): void {
  app.get(
    '/v1/roles',
    {
      schema: {
        tags: ['roles'],
        summary: 'Built-in and custom roles with their permissions (manageMembers)',
        response: { 200: RoleListSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageMembers');
      return { data: await listRoles(ctx.store, access.org), permissions: [...PERMISSIONS] };
    },
  );

  app.post(
    '/v1/roles',
    {
      schema: {
        tags: ['roles'],
        summary: 'Create a custom role (manageMembers; only permissions you hold)',
        body: Type.Object({ name: Name, permissions: Permissions }, { additionalProperties: false }),
        response: { 201: RoleSchema },
      },
    },
    async (request, reply) => {
      const access = await authorize(request, ctx, 'manageMembers');
      const { body } = request;
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
        response: { 200: RoleSchema },
      },
    },
    async (request) => {
      const access = await authorize(request, ctx, 'manageMembers');
      const { params, body } = request;
      const updated = await updateRole(
        ctx,
        access.org,
        params.id,
        body,
        access.grants,
        causeOf(request, access),
      );
      return roleView(updated);
    },
  );

  deleteRoute(
    app,
    ctx,
    {
      url: '/v1/roles/:id',
      tag: 'roles',
      summary: 'Delete a custom role nobody holds (manageMembers)',
      params: RoleIdParams,
      need: 'manageMembers',
    },
    (access, { id }, request) => deleteRole(ctx, access.org, id, access.grants, causeOf(request, access)),
  );
}
