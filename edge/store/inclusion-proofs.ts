// Inclusion proofs of events against a signed tree head: what a session's evidence package (issue #17) carries so
// that each of its events can be checked offline against a checkpoint the venue signed and the city countersigned.
import type { CheckpointSuite } from './checkpoint-format.ts';
import type { Db } from './database.ts';
import { eventLeaf, MerkleTree } from './merkle.ts';
import { toHex } from './merkle-verify.ts';
import { treeDigest } from './suites.ts';

export interface InclusionProof {
  /** The event's sequence number; its leaf index is seq − 1. */
  seq: number;
  /** The tree size (= the checkpoint's size) the proof leads to. */
  size: number;
  /** RFC 9162 audit path from the leaf up, hex. */
  path: string[];
}

/**
 * Proofs for the given events in the tree of the first `size` events (one read of their hashes, nodes shared
 * between proofs). Check one with `rootFromInclusionProof(seq − 1, size, leafHash, path)` against the checkpoint's
 * root, where leafHash = HASH(0x00 ‖ the event's chain hash).
 */
export function inclusionProofs(
  db: Db,
  seqs: readonly number[],
  size: number,
  suite?: CheckpointSuite,
): InclusionProof[] {
  const digest = treeDigest(suite);
  const hashes = db.prepare('SELECT hash FROM events WHERE seq <= ? ORDER BY seq').pluck().all(size) as string[];
  if (hashes.length !== size) throw new Error(`the log holds ${hashes.length} events, not the ${size} of the tree`);
  const tree = new MerkleTree(
    hashes.map((h) => eventLeaf(h, digest)),
    undefined,
    digest,
  );
  return seqs.map((seq) => ({ seq, size, path: tree.inclusionProof(seq - 1, size).map(toHex) }));
}
