import { parentPort, workerData } from 'node:worker_threads';
import type { VerifyReport } from '../../integrity/chain-verifier.js';
import { type ChainPart, walkChainPart } from '../../integrity/chain-walk.js';
import { KeyRing } from '../../integrity/ed25519-keys.js';
import { chainHeadIn, chainSql, checkpointsSql } from '../chain-sql.js';
import { openConnection } from './sqlite-connection.js';
import { sqliteIntegrityConnection } from './sqlite-integrity.js';
import { SqliteReads } from './sqlite-reads.js';

export interface VerifyThreadData {
  path: string;
  org: string;
  keys: Array<[string, string]>;
  part: ChainPart;
  /** The last part is walked to the org's head, read in the same snapshot as its links. */
  last: boolean;
}

export type VerifyThreadResult = { ok: true; report: VerifyReport } | { ok: false; message: string };

/**
 * Walks one part of an org's chain on its own read connection, inside one read transaction: a
 * WAL snapshot, so events committed meanwhile are neither half seen nor taken for links that
 * follow the head.
 */
const data = workerData as VerifyThreadData;
const db = openConnection(data.path, { cacheMiB: 8, role: 'reader' });
const connection = sqliteIntegrityConnection(new SqliteReads(db), () =>
  Promise.reject(new Error('a verification thread does not write')),
);
let result: VerifyThreadResult;
db.exec('BEGIN');
try {
  const head = data.last ? await chainHeadIn(connection, data.org) : undefined;
  const reads = { chain: chainSql(connection), checkpoints: checkpointsSql(connection) };
  const report = await walkChainPart(reads, data.org, KeyRing.fromEntries(data.keys), data.part, head);
  result = { ok: true, report };
} catch (error) {
  result = { ok: false, message: error instanceof Error ? error.message : String(error) };
} finally {
  db.exec('COMMIT');
  db.close();
}
parentPort!.postMessage(result);
