import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { hashedBody } from '../domain/chain.js';
import { canonicalJson } from '../domain/jcs.js';
import { describeFilter, type EventFilter } from '../domain/query.js';
import type { Checkpoint } from '../integrity/checkpoint.js';
import { type PublicJwk, publicJwk } from '../integrity/ed25519-keys.js';
import { MerkleTree } from '../integrity/merkle.js';
import {
  EXPORT_FORMAT_VERSION,
  type ExportRecord,
  eventLine,
  recordLine,
} from '../integrity/proof-records.js';
import type { AuditStore } from '../store/store.js';

const LINKS_PER_READ = 2000;
const TREES_KEPT = 8;

export interface ProofExportInput {
  store: AuditStore;
  org: string;
  /** undefined: the complete retained chain. */
  filter: EventFilter | undefined;
  /** The deployment's public keys; only their JWK members are written. */
  keys: PublicJwk[];
  now: Date;
  /** Called with each event written, for the export's own audit event. */
  onEvent?: () => void;
}

/**
 * A JSONL export that verifies offline (docs/integrity.md). Both kinds begin with the org's
 * latest signed checkpoint, which the verifier holds the export to. Complete: every retained
 * link in seq order, each checkpoint just before the events it covers, so the file verifies as
 * a chain. Filtered: the retained chain's start, then the matching events in list order, each
 * followed by its Merkle inclusion proof in the tree of the checkpoint that covers it (written
 * once, before its first proof), so each event verifies on its own against a signed checkpoint;
 * at the end, the proof that the store held the latest checkpoint's whole range.
 */
export async function* proofExportLines(input: ProofExportInput): AsyncGenerator<string> {
  const { store, org } = input;
  const head = await store.chainHead(org);
  const latest = await store.checkpoints.latest(org);
  const record = (r: ExportRecord) => recordLine(r);
  let text = record({
    trailmark: 'export',
    version: EXPORT_FORMAT_VERSION,
    org,
    complete: input.filter === undefined,
    filters: input.filter ? describeFilter(input.filter) : null,
    exported_at: input.now.toISOString(),
  });
  for (const key of input.keys) text += record({ trailmark: 'signing_key', ...publicJwk(key.kid, key.x) });
  if (latest) text += record({ trailmark: 'latest_checkpoint', ...latest });
  yield text;
  const events = input.filter
    ? yield* filteredBody(store, org, input.filter, latest, input.onEvent)
    : yield* completeBody(store, org, head.seq, input.onEvent);
  yield record({ trailmark: 'end', events, head });
}

async function* completeBody(
  store: AuditStore,
  org: string,
  headSeq: number,
  onEvent: (() => void) | undefined,
): AsyncGenerator<string, number> {
  const start = await store.chain.start(org);
  let text = recordLine({ trailmark: 'anchor', seq: start.seq, prev_hash: start.prev_hash });
  if (start.seq > 1) {
    const anchor = await store.checkpoints.covering(org, start.seq - 1);
    if (anchor && anchor.seq === start.seq - 1) text += recordLine({ trailmark: 'checkpoint', ...anchor });
  }
  let covered = start.seq - 1; // links up to here have had their checkpoint written
  let next = start.seq;
  let last = start.seq - 1;
  let count = 0;
  while (next <= headSeq) {
    const links = await store.chain.links(org, next, headSeq, LINKS_PER_READ);
    if (links.length === 0) break;
    for (const link of links) {
      if (link.seq > covered) {
        const cp = await store.checkpoints.covering(org, link.seq);
        if (cp) {
          text += recordLine({ trailmark: 'checkpoint', ...cp });
          covered = cp.seq;
        } else covered = Number.MAX_SAFE_INTEGER; // the unsigned tail
      }
      if (link.body === null) {
        // A request log entry whose content retention removed: its link, without content.
        text += recordLine({
          trailmark: 'pruned',
          seq: link.seq,
          prev_hash: link.prev_hash,
          hash: link.hash,
        });
      } else {
        text += eventLine(link.hash, link.prev_hash, link.body);
        count += 1;
        onEvent?.();
      }
    }
    yield text;
    text = '';
    last = links[links.length - 1]!.seq;
    next = last + 1;
    await yieldToLoop();
  }
  // A checkpoint beyond the last link tells the verifier that links after it were removed.
  const beyond =
    covered === Number.MAX_SAFE_INTEGER ? undefined : await store.checkpoints.covering(org, last + 1);
  if (beyond && beyond.seq > covered) text += recordLine({ trailmark: 'checkpoint', ...beyond });
  if (text) yield text;
  return count;
}

/** Trees of the checkpoint ranges most recently used, built from the stored leaf hashes. */
class RangeTrees {
  private readonly trees = new Map<number, { cp: Checkpoint; tree: MerkleTree | undefined }>();
  /** Ranges as [from_seq, seq] whose checkpoint is known, for lookups without a query. */
  private readonly ranges: Checkpoint[] = [];

  constructor(
    private readonly store: AuditStore,
    private readonly org: string,
  ) {}

  async checkpointFor(seq: number): Promise<Checkpoint | undefined> {
    const known = this.ranges.find((cp) => cp.from_seq <= seq && seq <= cp.seq);
    if (known) return known;
    const cp = await this.store.checkpoints.covering(this.org, seq);
    if (!cp || cp.from_seq > seq) return undefined;
    this.ranges.push(cp);
    return cp;
  }

  /** The tree of `cp`'s range; undefined when its leaves are no longer all stored. */
  async treeFor(cp: Checkpoint): Promise<MerkleTree | undefined> {
    const cached = this.trees.get(cp.seq);
    if (cached) {
      this.trees.delete(cp.seq);
      this.trees.set(cp.seq, cached); // most recently used last
      return cached.tree;
    }
    const hashes = await this.store.chain.hashes(this.org, cp.from_seq, cp.seq);
    const tree = hashes.length === cp.seq - cp.from_seq + 1 ? new MerkleTree(hashes) : undefined;
    this.trees.set(cp.seq, { cp, tree });
    if (this.trees.size > TREES_KEPT) this.trees.delete(this.trees.keys().next().value as number);
    return tree;
  }
}

async function* filteredBody(
  store: AuditStore,
  org: string,
  filter: EventFilter,
  latest: Checkpoint | undefined,
  onEvent: (() => void) | undefined,
): AsyncGenerator<string, number> {
  const trees = new RangeTrees(store, org);
  const written = new Set<number>();
  // Where the retained chain starts: seqs before it were removed by retention, not filtered.
  const start = await store.chain.start(org);
  let text = recordLine({ trailmark: 'anchor', seq: start.seq, prev_hash: start.prev_hash });
  let count = 0;
  for await (const event of store.streamEvents(org, filter)) {
    const cp = await trees.checkpointFor(event.seq);
    const tree = cp && (await trees.treeFor(cp));
    if (cp && tree && !written.has(cp.seq)) {
      text += recordLine({ trailmark: 'checkpoint', ...cp });
      written.add(cp.seq);
    }
    text += eventLine(event.hash, event.prev_hash, canonicalJson(hashedBody(event)));
    count += 1;
    onEvent?.();
    if (cp && tree) {
      const index = event.seq - cp.from_seq;
      text += recordLine({
        trailmark: 'proof',
        seq: event.seq,
        checkpoint_seq: cp.seq,
        leaf_index: index,
        tree_size: tree.size,
        path: tree.inclusionProof(index),
      });
    }
    if (text.length > 64 * 1024) {
      yield text;
      text = '';
    }
  }
  // Built from the leaves stored now: a store that lost any event of the latest checkpoint's
  // range (a deleted tail) cannot write it, and the verifier says so.
  const tree = latest && (await trees.treeFor(latest));
  if (latest && tree) {
    text += recordLine({
      trailmark: 'stored_through',
      checkpoint_seq: latest.seq,
      leaf_index: tree.size - 1,
      tree_size: tree.size,
      path: tree.inclusionProof(tree.size - 1),
    });
  }
  if (text) yield text;
  return count;
}
