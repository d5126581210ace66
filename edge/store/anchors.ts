// Reading the record's anchors back: the venue's signed checkpoints and the city's receipts, each line checked
// (shape, venue, signature). Used by the start-up check and by verify.
import { join } from 'node:path';
import {
  type CheckpointLine,
  type CheckpointSuite,
  checkpointManifest,
  checkpointShapeError,
  type Receipt,
  receiptManifest,
  receiptMatches,
  receiptShapeError,
} from './checkpoint-format.ts';
import { readJsonl } from './jsonl-file.ts';

/** Checks a signature over bytes with one key (the venue's or the platform's). */
export type SignatureCheck = (bytes: Uint8Array, signature: string) => boolean;

/** Signs with the venue key; base64 signature. */
export interface CheckpointSigner {
  /** Which algorithms: the signature is the key's, the Merkle tree's hash follows the suite. */
  suite: CheckpointSuite;
  keyId: string;
  sign(bytes: Uint8Array): string;
  verify: SignatureCheck;
}

/** Where a venue's anchors live by default: beside the database, not in it (both paths configurable). */
export const anchorFiles = (dataDir: string) => ({
  checkpoints: join(dataDir, 'checkpoints.jsonl'),
  receipts: join(dataDir, 'receipts.jsonl'),
});

export interface AnchorProblem {
  kind: 'checkpoint-invalid' | 'receipt-invalid' | 'receipt-unmatched';
  file: string;
  line: number;
  message: string;
}

export interface Anchors {
  /** Checkpoints whose signature verifies with the venue key, in file order. */
  checkpoints: CheckpointLine[];
  /** Receipts that verify with the platform key (when it is known) and countersign one of those checkpoints. */
  receipts: Receipt[];
  /**
   * Receipts that verify but match no valid checkpoint: still anchors (the city countersigned them), and a sign
   * that the checkpoint file lost or changed lines.
   */
  orphanReceipts: Receipt[];
  problems: AnchorProblem[];
}

export interface AnchorSources {
  venue: string;
  checkpointFile: string;
  receiptFile: string;
  venueKey: SignatureCheck;
  /** The platform's key; without it receipts are taken on their shape alone (they can only raise alarms). */
  platformKey?: SignatureCheck | null;
}

export function readAnchors(src: AnchorSources): Anchors {
  const problems: AnchorProblem[] = [];
  const checkpoints: CheckpointLine[] = [];
  for (const entry of readJsonl(src.checkpointFile)) {
    const problem = (message: string) =>
      problems.push({ kind: 'checkpoint-invalid', file: src.checkpointFile, line: entry.line, message });
    if (entry.error !== undefined) {
      problem(entry.error);
      continue;
    }
    const shape = checkpointShapeError(entry.value);
    if (shape) {
      problem(shape);
      continue;
    }
    const c = entry.value as CheckpointLine;
    if (c.venue !== src.venue) problem(`venue: ${c.venue}, not ${src.venue}`);
    else if (!src.venueKey(checkpointManifest(c), c.signature))
      problem(`signature: does not verify with the venue key (checkpoint of size ${c.size} was edited or forged)`);
    else checkpoints.push(c);
  }
  const receipts: Receipt[] = [];
  const orphanReceipts: Receipt[] = [];
  for (const entry of readJsonl(src.receiptFile)) {
    const problem = (kind: AnchorProblem['kind'], message: string) =>
      problems.push({ kind, file: src.receiptFile, line: entry.line, message });
    if (entry.error !== undefined) {
      problem('receipt-invalid', entry.error);
      continue;
    }
    const shape = receiptShapeError(entry.value);
    if (shape) {
      problem('receipt-invalid', shape);
      continue;
    }
    const r = entry.value as Receipt;
    if (r.venue !== src.venue) {
      problem('receipt-invalid', `venue: ${r.venue}, not ${src.venue}`);
    } else if (src.platformKey && !src.platformKey(receiptManifest(r), r.signature)) {
      problem('receipt-invalid', `signature: does not verify with the platform key (receipt of size ${r.size})`);
    } else if (checkpoints.some((c) => receiptMatches(r, c))) {
      receipts.push(r);
    } else {
      orphanReceipts.push(r);
      problem('receipt-unmatched', `receipt of size ${r.size} countersigns no checkpoint in the checkpoint file`);
    }
  }
  return { checkpoints, receipts, orphanReceipts, problems };
}

export interface Anchor {
  size: number;
  headHash: string;
  root: string;
  at: number;
  source: 'checkpoint' | 'receipt';
}

/**
 * The last thing the venue signed about its record: the most recent checkpoint, or receipt of one (by the time
 * the venue signed it). Sizes only grow, except after a loss an administrator acknowledged: the checkpoints
 * signed since then describe the record as it now is, and the older ones stay behind as evidence of the loss.
 */
export function latestAnchor(anchors: Anchors): Anchor | null {
  let best: Anchor | null = null;
  const consider = (a: Anchor) => {
    if (!best || a.at > best.at || (a.at === best.at && a.size > best.size)) best = a;
  };
  for (const c of anchors.checkpoints) consider({ ...pick(c), at: c.at, source: 'checkpoint' });
  for (const r of [...anchors.receipts, ...anchors.orphanReceipts])
    consider({ ...pick(r), at: r.checkpointAt, source: 'receipt' });
  return best;
}

const pick = (a: { size: number; headHash: string; root: string }) => ({
  size: a.size,
  headHash: a.headHash,
  root: a.root,
});
