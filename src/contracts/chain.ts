import { type Static, Type } from '@sinclair/typebox';

/**
 * The integrity API's shapes (docs/integrity.md), defined once as schemas: the routes validate
 * and document their answers with them, the server's verifier and the dashboard take their types.
 */

const Seq = Type.Integer({ minimum: 0 });
const Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });

/**
 * A signed statement "the chain of `org` had hash `hash` at `seq`, and the events from_seq..seq
 * form a Merkle tree with root `tree_root`". Consecutive checkpoints of an org cover
 * consecutive ranges: each from_seq is the previous checkpoint's seq + 1 (or the first seq).
 */
export const CheckpointSchema = Type.Object({
  org: Type.String(),
  seq: Seq,
  hash: Hex,
  from_seq: Seq,
  tree_root: Hex,
  signed_at: Type.String({ format: 'date-time' }),
  key_id: Type.String(),
  signature: Type.String({ description: 'base64url Ed25519 signature (docs/integrity.md)' }),
});
export type Checkpoint = Static<typeof CheckpointSchema>;

export const FAILURE_REASONS = [
  'hash_mismatch',
  'link_broken',
  'seq_gap',
  'checkpoint_mismatch',
  'signature_invalid',
  'truncated_after_checkpoint',
  'column_mismatch',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export const VerifyFailureSchema = Type.Object({
  seq: Seq,
  reason: Type.Union(FAILURE_REASONS.map((r) => Type.Literal(r))),
  detail: Type.String(),
  id: Type.Optional(
    Type.String({
      description: 'the event at `seq`, when the failure is about one stored event (column_mismatch)',
    }),
  ),
  column: Type.Optional(
    Type.String({
      description:
        "column_mismatch: the stored column that differs from what the event's hashed body says (docs/integrity.md)",
    }),
  ),
});
export type VerifyFailure = Static<typeof VerifyFailureSchema>;

/** The outcome of walking a chain, online or offline; it stops at the first thing wrong. */
export const VerifyReportSchema = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer({
    minimum: 0,
    description: 'events whose hash, link and position were checked and found right',
  }),
  first_seq: Type.Union([Seq, Type.Null()]),
  last_seq: Type.Union([Seq, Type.Null()]),
  checkpoints_checked: Seq,
  pruned: Type.Integer({
    minimum: 0,
    description: 'request log entries whose content retention removed; their links still count',
  }),
  failure: Type.Optional(VerifyFailureSchema),
});
export type VerifyReport = Static<typeof VerifyReportSchema>;

/** A report as the server records it (POST /v1/chain/verify; the last one is in GET /v1/chain). */
export const VerificationSchema = Type.Composite([
  VerifyReportSchema,
  Type.Object({ verified_at: Type.String({ format: 'date-time' }) }),
]);
export type Verification = Static<typeof VerificationSchema>;

/** GET /v1/chain. */
export const ChainStatusSchema = Type.Object({
  org: Type.String(),
  head: Type.Object({ seq: Seq, hash: Hex }),
  checkpoint: Type.Union([CheckpointSchema, Type.Null()]),
  anchor: Type.Object({ seq: Seq, prev_hash: Hex }),
  last_verification: Type.Union([VerificationSchema, Type.Null()]),
});
export type ChainStatus = Static<typeof ChainStatusSchema>;
