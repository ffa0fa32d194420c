import { Type } from '@sinclair/typebox';
import { RoleListSchema, RoleSchema } from '../../contracts/api.js';
import { PERMISSIONS } from '../../domain/permissions.js';
import { listRoles, roleView } from '../../identity/roles.js';
import { createRole, deleteRole, updateRole } from '../../operations/roles.js';
import type { AppContext, TypeBoxApp } from '../context.js';
import { orgScopedRoutes } from './org-scoped.js';
import { Text } from './text.js';

const Permissions = Type.Array(Type.Union(PERMISSIONS.map((p) => Type.Literal(p))), { maxItems: 32 });
const Name = Text(1, 64);
const RoleIdParams = Type.Object({ id: Text(0, 128) });

export function roleRoutes(app: TypeBoxApp, ctx: AppContext): void {
  const routes = orgScopedRoutes(app, ctx, { tag: 'roles', need: 'manageMembers' });

  routes.get(
    '/v1/roles',
    {
      summary: 'Built-in and custom roles with their permissions (manageMembers)',
      response: { 200: RoleListSchema },
    },
    async ({ access }) => ({ data: await listRoles(ctx.store, access.org), permissions: [...PERMISSIONS] }),
  );

  // A custom role never holds more than whoever makes it: the operations check against `grants`.
  routes.post(
    '/v1/roles',
    {
      summary: 'Create a custom role (manageMembers; only permissions you hold)',
      body: Type.Object({ name: Name, permissions: Permissions }, { additionalProperties: false }),
      response: { 201: RoleSchema },
    },
    async ({ access, body, cause }) =>
      roleView(await createRole(ctx, access.org, body, access.grants, cause)),
  );

  routes.patch(
    '/v1/roles/:id',
    {
      summary: 'Rename a custom role or change its permissions (manageMembers)',
      params: RoleIdParams,
      body: Type.Object(
        { name: Type.Optional(Name), permissions: Type.Optional(Permissions) },
        { additionalProperties: false, minProperties: 1 },
      ),
      response: { 200: RoleSchema },
    },
    async ({ access, params, body, cause }) =>
      roleView(await updateRole(ctx, access.org, params.id, body, access.grants, cause)),
  );

  routes.delete(
    '/v1/roles/:id',
    { summary: 'Delete a custom role nobody holds (manageMembers)', params: RoleIdParams },
    ({ access, params, cause }) => deleteRole(ctx, access.org, params.id, access.grants, cause),
  );
}
