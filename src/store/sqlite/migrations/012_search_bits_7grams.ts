import type { Kysely } from 'kysely';

/**
 * The search blocks became 8 KiB with 7-grams (../../search-bits.ts), and were built again here
 * from the stored events. 014_search_bits_value_ends builds them again in the form after that,
 * so a database that had not run this one yet builds them once, there.
 */
export async function up(_db: Kysely<unknown>): Promise<void> {}
