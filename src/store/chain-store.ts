import type { ChainLink, ChainStart, VerifyReport } from '../integrity/chain-verifier.js';
import type { ChainPart } from '../integrity/chain-walk.js';
import type { KeyRing } from '../integrity/ed25519-keys.js';

/**
 * An org's chain as the integrity side reads it: links (hashes and canonical text) in seq order,
 * where the retained chain starts, and walks over it. The events themselves, as the API shows
 * them, are AuditStore's.
 */
export interface ChainStore {
  /** Where the retained chain begins: the retention anchor, or seq 1 after the genesis hash. */
  start(org: string): Promise<ChainStart>;
  /**
   * Chain links in seq order, from `fromSeq` through `toSeq`, at most `limit`: events with
   * their canonical text, and request log entries pruned by retention with `body: null`.
   * With `bodies: false`, every link comes without its text (hashes and positions only); with
   * `columns: true`, each event's link also carries its stored columns that verification
   * compares with its text (domain/event-columns.ts).
   */
  links(
    org: string,
    fromSeq: number,
    toSeq: number,
    limit: number,
    options?: { bodies?: boolean; columns?: boolean },
  ): Promise<ChainLink[]>;
  /** The event hashes of seqs fromSeq..toSeq in order (Merkle leaves), pruned entries included. */
  hashes(org: string, fromSeq: number, toSeq: number): Promise<string[]>;
  /** When the event at `seq` was received (ISO 8601), if it is stored. */
  receivedAt(org: string, seq: number): Promise<string | undefined>;
  /**
   * Walks the parts of an org's chain at once, each in a read snapshot of its own (a thread and
   * connection on SQLite, a connection on PostgreSQL), and answers their reports in order
   * (integrity/chain-walk.ts). Stores without it are walked in-process, without a snapshot.
   */
  walkParts?(org: string, keys: KeyRing, parts: readonly ChainPart[]): Promise<VerifyReport[]>;
}
