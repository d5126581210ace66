// Signed checkpoints of the record and the city's receipts for them: the lines of checkpoints.jsonl and
// receipts.jsonl, and the exact bytes each signature covers. Shared by the edge, the city platform and the
// offline verifiers, so no Node APIs here (the browser verifier checks these with WebCrypto).

export const CHECKPOINT_PROTOCOL = 'halledge-checkpoint/1';

/**
 * The algorithms of a checkpoint: Ed25519 over a SHA-256 tree (the default, the field left out), or the 国密
 * suite — SM2 signature over an SM3 tree — for venues that must pass 商用密码应用安全性评估.
 */
export type CheckpointSuite = 'ed25519-sha256' | 'sm2-sm3';
export const RECEIPT_PROTOCOL = 'halledge-receipt/1';

/**
 * The venue's signed statement "my record held `size` events, with this Merkle root and this head of the hash
 * chain, at this time". `size` is the sequence number of the last event (sequences start at 1 and have no gaps).
 */
export interface Checkpoint {
  protocol: typeof CHECKPOINT_PROTOCOL;
  venue: string;
  /** Which venue key signed (first 16 hex of the SHA-256 of its SPKI DER, as for sync batches). */
  keyId: string;
  size: number;
  /** RFC 9162 tree head over the events' chain hashes, hex. */
  root: string;
  /** Chain hash of event #size (GENESIS_HASH for an empty record). */
  headHash: string;
  /** Milliseconds since the epoch, when the venue signed. */
  at: number;
  /** Absent for Ed25519 + SHA-256; `sm2-sm3` for the 国密 suite (signed too: it is in the manifest). */
  suite?: 'sm2-sm3';
  /** Over checkpointManifest(...), base64: Ed25519, or SM2 (DER) in the 国密 suite. */
  signature: string;
}

/**
 * A line of checkpoints.jsonl: the checkpoint and the frontier of its tree (the roots of its perfect subtrees),
 * which lets the edge extend the tree and prove consistency from it without reading the log again. The frontier
 * is not signed; whoever uses it checks it folds to the signed root.
 */
export interface CheckpointLine extends Checkpoint {
  frontier: string[];
}

/** The city's countersignature: it held the venue's checkpoint, found it consistent with the one before, at receivedAt. */
export interface Receipt {
  protocol: typeof RECEIPT_PROTOCOL;
  venue: string;
  size: number;
  root: string;
  headHash: string;
  /** The venue's signature on the checkpoint, binding the receipt to that exact checkpoint. */
  checkpointSignature: string;
  /** The venue's checkpoint time. */
  checkpointAt: number;
  receivedAt: number;
  /** Which platform key countersigned (same form as keyId). */
  platformKeyId: string;
  /** The checkpoint's suite (how its root was computed), when not the default. */
  suite?: 'sm2-sm3';
  /** Ed25519 by the platform over receiptManifest(...), base64. */
  signature: string;
}

const utf8 = (lines: (string | number)[]) => new TextEncoder().encode(lines.join('\n'));

export const checkpointManifest = (c: Omit<Checkpoint, 'signature' | 'protocol'>): Uint8Array =>
  utf8([CHECKPOINT_PROTOCOL, c.venue, c.keyId, c.size, c.root, c.headHash, c.at, ...(c.suite ? [c.suite] : [])]);

export const receiptManifest = (r: Omit<Receipt, 'signature' | 'protocol'>): Uint8Array =>
  utf8([
    RECEIPT_PROTOCOL,
    r.venue,
    r.size,
    r.root,
    r.headHash,
    r.checkpointSignature,
    r.checkpointAt,
    r.receivedAt,
    r.platformKeyId,
    ...(r.suite ? [r.suite] : []),
  ]);

const HEX64 = /^[0-9a-f]{64}$/;

/** Checks a parsed line has the checkpoint's shape; returns the first problem by field name, or null. */
export function checkpointShapeError(value: unknown): string | null {
  if (!value || typeof value !== 'object') return 'not an object';
  const c = value as Record<string, unknown>;
  if (c.protocol !== CHECKPOINT_PROTOCOL) return `protocol: expected ${CHECKPOINT_PROTOCOL}`;
  for (const key of ['venue', 'keyId', 'signature'] as const)
    if (typeof c[key] !== 'string' || !c[key]) return `${key}: expected a non-empty string`;
  if (!Number.isSafeInteger(c.size) || (c.size as number) < 0) return 'size: expected an integer ≥ 0';
  if (!Number.isSafeInteger(c.at)) return 'at: expected milliseconds since the epoch';
  if (c.suite !== undefined && c.suite !== 'sm2-sm3') return 'suite: expected "sm2-sm3" or none';
  for (const key of ['root', 'headHash'] as const)
    if (typeof c[key] !== 'string' || !HEX64.test(c[key] as string)) return `${key}: expected 64 lowercase hex`;
  return null;
}

export function receiptShapeError(value: unknown): string | null {
  if (!value || typeof value !== 'object') return 'not an object';
  const r = value as Record<string, unknown>;
  if (r.protocol !== RECEIPT_PROTOCOL) return `protocol: expected ${RECEIPT_PROTOCOL}`;
  for (const key of ['venue', 'checkpointSignature', 'platformKeyId', 'signature'] as const)
    if (typeof r[key] !== 'string' || !r[key]) return `${key}: expected a non-empty string`;
  if (r.suite !== undefined && r.suite !== 'sm2-sm3') return 'suite: expected "sm2-sm3" or none';
  for (const key of ['size', 'checkpointAt', 'receivedAt'] as const)
    if (!Number.isSafeInteger(r[key])) return `${key}: expected an integer`;
  for (const key of ['root', 'headHash'] as const)
    if (typeof r[key] !== 'string' || !HEX64.test(r[key] as string)) return `${key}: expected 64 lowercase hex`;
  return null;
}

/** Does the receipt countersign exactly this checkpoint? */
export const receiptMatches = (r: Receipt, c: Checkpoint): boolean =>
  r.venue === c.venue &&
  r.size === c.size &&
  r.root === c.root &&
  r.headHash === c.headHash &&
  r.checkpointAt === c.at &&
  r.suite === c.suite &&
  r.checkpointSignature === c.signature;

/**
 * What the venue sends the city: a checkpoint, and the RFC 9162 consistency proof (hex nodes) from the last
 * checkpoint the city countersigned — null for the venue's first.
 */
export interface CheckpointSubmission {
  checkpoint: Checkpoint;
  proof: { fromSize: number; hashes: string[] } | null;
}

/** The city's answer: a receipt, or why it refused (forged, inconsistent with what it holds, …). */
export type CheckpointAnswer = { status: 'receipt'; receipt: Receipt } | { status: 'refused'; error: string };
