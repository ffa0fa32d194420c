import { Type } from '@sinclair/typebox';
import { EVENT_FILTERS } from '../../contracts/filters.js';
import { Text } from './text.js';

/** List and export filters (SPEC §4); parsed and checked by the domain, documented here. */
export const FilterQuerySchema = Type.Object(
  {
    ...Object.fromEntries(
      EVENT_FILTERS.map((f) => [f.param, Type.Optional(Type.String({ description: f.description }))]),
    ),
    limit: Type.Optional(Type.String({ description: '1 to 1000, default 50' })),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page' })),
    org: Type.Optional(Type.String({ description: 'organization, for sessions and deployment keys' })),
  },
  { additionalProperties: true },
);

/** The path of one resource named by its id, as most resources' routes take it. */
export const IdParams = Type.Object({ id: Text(1, 128) });
