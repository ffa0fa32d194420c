import { Type } from '@sinclair/typebox';

/**
 * Small TypeBox pieces the API's schemas share (alerts.ts, api.ts, streams.ts). The dashboard
 * imports those modules for their types only, so this costs its bundle nothing.
 */

/**
 * A string from a closed list: an `enum` in the OpenAPI document, the list's union in TypeScript.
 * Not a union of literals, whose serializer would refuse (500) a value the list has since lost.
 */
export function StringEnum<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

export const NullableString = Type.Union([Type.String(), Type.Null()]);
