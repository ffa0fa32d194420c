import { type Kysely, sql } from 'kysely';

/**
 * The tables of 001_core (orgs, API keys, events), which each backend wrote in its own dialect:
 * one column list here, with each backend's spelling of the types that differ. Databases hold
 * that text (SQLite keeps it in sqlite_master to the byte), so it is spelled as it first was:
 * SQLite's types in capitals, the text and integer types alike on both (PostgreSQL reads them
 * as its own), and below, each backend's spelling of the types that differ.
 */
const SPELLINGS = {
  /** The org's integer key, which the database assigns. */
  orgKey: { sqlite: 'INTEGER PRIMARY KEY', postgres: 'integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY' },
  /** Sequence numbers past 32 bits. */
  bigint: { sqlite: 'INTEGER', postgres: 'bigint' },
  /** A point in time: ISO 8601 text on SQLite. */
  time: { sqlite: 'TEXT', postgres: 'timestamptz' },
  /** An event's `occurred_at`: milliseconds since the epoch on SQLite, compared as integers. */
  eventTime: { sqlite: 'INTEGER', postgres: 'timestamptz' },
  /** A flag, and its false. */
  flag: { sqlite: 'INTEGER', postgres: 'boolean' },
  false: { sqlite: '0', postgres: 'false' },
  /** A list of strings: JSON text on SQLite. */
  list: { sqlite: 'TEXT', postgres: 'text[]' },
};

/** The columns of each core table, in order, one to a line, as `CREATE TABLE name (…)` takes them. */
export function coreColumns(backend: 'sqlite' | 'postgres'): Record<'orgs' | 'api_keys' | 'events', string> {
  const t = Object.fromEntries(
    Object.entries(SPELLINGS).map(([type, spelling]) => [type, spelling[backend]]),
  ) as Record<keyof typeof SPELLINGS, string>;
  return {
    orgs: `
      pk ${t.orgKey},
      id TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      created_at ${t.time} NOT NULL,
      retention_days INTEGER NOT NULL DEFAULT 90,
      request_retention_days INTEGER NOT NULL DEFAULT 30,
      legal_hold ${t.flag} NOT NULL DEFAULT ${t.false},
      head_seq ${t.bigint} NOT NULL DEFAULT 0,
      head_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'`,
    api_keys: `
      id TEXT PRIMARY KEY,
      org_id TEXT REFERENCES orgs(id),
      name TEXT NOT NULL,
      prefix TEXT NOT NULL,
      last4 TEXT NOT NULL,
      scopes ${t.list} NOT NULL,
      key_hash TEXT NOT NULL UNIQUE,
      status TEXT NOT NULL DEFAULT 'active',
      created_at ${t.time} NOT NULL,
      created_by TEXT,
      last_used_at ${t.time},
      expires_at ${t.time}`,
    events: `
      org_pk INTEGER NOT NULL,
      seq ${t.bigint} NOT NULL,
      id TEXT NOT NULL,
      occurred_at ${t.eventTime} NOT NULL,
      action TEXT NOT NULL,
      actor_id TEXT NOT NULL,
      actor_email TEXT,
      resource_type TEXT,
      resource_id TEXT,
      workspace TEXT,
      status TEXT NOT NULL,
      ip TEXT,
      kind TEXT NOT NULL,
      input_hash TEXT,
      search_text TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL,
      body TEXT NOT NULL`,
  };
}

/** The indexes both backends give the core tables, in the order they were created. */
export const CORE_INDEXES = [
  'CREATE INDEX events_time ON events (org_pk, occurred_at, seq)',
  'CREATE INDEX events_action ON events (org_pk, action, occurred_at)',
  'CREATE INDEX events_actor ON events (org_pk, actor_id, occurred_at)',
];

/** Creates a core table with the columns above (and `constraints`, a backend's own, after them). */
export async function createCoreTable(db: Kysely<unknown>, name: string, columns: string, constraints = '') {
  await sql.raw(`CREATE TABLE ${name} (${columns}${constraints}\n    )`).execute(db);
}
