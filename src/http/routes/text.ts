import { Type } from '@sinclair/typebox';

/** Text without NUL (PostgreSQL cannot store it, and no legitimate name or id holds one). */
export const NO_NUL = '^[^\\u0000]*$';

export function Text(minLength: number, maxLength: number, description?: string) {
  return Type.String({ minLength, maxLength, pattern: NO_NUL, ...(description ? { description } : {}) });
}

export const Email = Type.String({
  minLength: 3,
  maxLength: 320,
  pattern: '^[^\\s@\\u0000]+@[^\\s@\\u0000]+$',
});
