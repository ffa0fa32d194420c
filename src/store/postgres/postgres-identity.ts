import type { IdentityDialect } from '../identity-sql.js';

const UNIQUE_VIOLATION = '23505';

export const POSTGRES_IDENTITY: IdentityDialect = {
  legalHold: (value) => value,
  nameList: (values) => [...values],
  isUniqueViolation: (error) =>
    error instanceof Error && (error as { code?: string }).code === UNIQUE_VIOLATION,
};
