import { Type } from '@sinclair/typebox';
import { FILTER_PARAMS } from '../../domain/query.js';

const descriptions: Record<string, string> = {
  from: 'ISO 8601 start (inclusive); default: 30 days before `to`, or before now',
  to: 'ISO 8601 end (inclusive); default: now, plus the 5 minutes ahead that ingest accepts',
  actor: 'actor id or email',
  action: 'exact action, comma-separated list, or a prefix ending in * (api_key.*)',
  q: 'case-insensitive substring of description, resource id/name, path, actor id/email/name, workspace',
  kind: 'audit or request',
  status: 'success or failure',
};

/** List and export filters (SPEC §4); parsed and checked by the domain, documented here. */
export const FilterQuerySchema = Type.Object(
  {
    ...Object.fromEntries(
      FILTER_PARAMS.map((name) => [
        name,
        Type.Optional(Type.String({ description: descriptions[name] ?? name })),
      ]),
    ),
    limit: Type.Optional(Type.String({ description: '1 to 1000, default 50' })),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page' })),
    org: Type.Optional(Type.String({ description: 'organization, for sessions and deployment keys' })),
  },
  { additionalProperties: true },
);
