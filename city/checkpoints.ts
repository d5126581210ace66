// The city's side of the record's anchors: it takes a venue's signed checkpoint, checks the signature, that it
// extends the checkpoint it already holds for that venue (RFC 9162 consistency proof) and agrees with the
// events it holds, then countersigns it and answers with a receipt. A forged or inconsistent checkpoint is
// refused with the reason, and the edge raises an alarm.
import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  type Checkpoint,
  type CheckpointAnswer,
  type CheckpointSuite,
  checkpointManifest,
  checkpointShapeError,
  RECEIPT_PROTOCOL,
  type Receipt,
  receiptManifest,
} from '../edge/store/checkpoint-format.ts';
import { fromHex, verifyConsistency } from '../edge/store/merkle-verify.ts';
import { asyncTreeDigest, signatureCheck } from '../edge/store/suites.ts';
import { keyId, signBytes } from '../edge/sync/wire.ts';
import type { HubStore } from './store/hub-store.ts';

export interface NotaryOptions {
  store: HubStore;
  privateKey: KeyObject;
  /** The venue's registered key for this suite (PEM and keyId): its sync key, or its SM2 key for 国密. */
  venueKey(venue: string, suite: CheckpointSuite): Promise<{ publicKey: string; keyId: string } | null>;
}

const refuse = (error: string): CheckpointAnswer => ({ status: 'refused', error });

export class CheckpointNotary {
  private readonly platformKeyId: string;

  constructor(private readonly options: NotaryOptions) {
    this.platformKeyId = keyId(createPublicKey(options.privateKey));
  }

  async receive(raw: unknown, now = Date.now()): Promise<CheckpointAnswer> {
    const { checkpoint: c, proof } = (raw ?? {}) as { checkpoint?: unknown; proof?: unknown };
    const shape = checkpointShapeError(c);
    if (shape) return refuse(`checkpoint.${shape}`);
    const cp = c as Checkpoint;
    const suite = cp.suite ?? 'ed25519-sha256';
    const key = await this.options.venueKey(cp.venue, suite);
    if (!key) return refuse(`venue ${cp.venue} has no registered ${suite} key`);
    if (cp.keyId !== key.keyId)
      return refuse(`checkpoint.keyId: ${cp.keyId} is not the key registered for ${cp.venue}`);
    if (!signatureCheck(key.publicKey)(checkpointManifest(cp), cp.signature))
      return refuse(`checkpoint.signature: not valid for ${cp.venue}'s key`);
    const same = await this.held(cp.venue, cp.size);
    if (same) {
      // The venue did not see our answer: the same checkpoint gets the same receipt; another one is a fork.
      if (same.root === cp.root && same.head_hash === cp.headHash) return { status: 'receipt', receipt: same.receipt };
      return refuse(`fork: a checkpoint of size ${cp.size} is held with another root`);
    }
    const latest = await this.latest(cp.venue);
    if (latest && latest.size > cp.size)
      return refuse(`checkpoint.size: ${cp.size} is behind the checkpoint held (size ${latest.size})`);
    if (latest && latest.suite !== suite)
      return refuse(`checkpoint.suite: ${suite}, but the checkpoints held are ${latest.suite}`);
    if (latest) {
      const p = proof as CheckpointSubmissionProof | null | undefined;
      if (!p || p.fromSize !== latest.size || !Array.isArray(p.hashes))
        return refuse(`proof: a consistency proof from the checkpoint held (size ${latest.size}) is required`);
      let hashes: Uint8Array[];
      try {
        hashes = p.hashes.map((h) => fromHex(String(h)));
      } catch {
        return refuse('proof.hashes: expected hex nodes');
      }
      const consistent = await verifyConsistency(
        latest.size,
        cp.size,
        fromHex(latest.root),
        fromHex(cp.root),
        hashes,
        asyncTreeDigest(cp.suite),
      );
      if (!consistent)
        return refuse(
          `proof: the record of size ${cp.size} does not extend the checkpoint held (size ${latest.size}) — truncated or rewritten`,
        );
    }
    const held = await this.options.store.heldHash(cp.venue, cp.size);
    if (held !== null && held !== cp.headHash)
      return refuse(`checkpoint.headHash: the hub holds event ${cp.size} with another hash`);
    const receipt = this.countersign(cp, now);
    const stored = await this.options.store.insertCheckpoint({
      venue: cp.venue,
      size: cp.size,
      root: cp.root,
      head_hash: cp.headHash,
      at: cp.at,
      key_id: cp.keyId,
      signature: cp.signature,
      receipt: JSON.stringify(receipt),
      suite,
    });
    // Another hub process stored a checkpoint of this size meanwhile: answer as for a repeat.
    if (!stored) return this.receive(raw, now);
    return { status: 'receipt', receipt };
  }

  private countersign(cp: Checkpoint, now: number): Receipt {
    const unsigned = {
      venue: cp.venue,
      size: cp.size,
      root: cp.root,
      headHash: cp.headHash,
      checkpointSignature: cp.signature,
      checkpointAt: cp.at,
      receivedAt: now,
      platformKeyId: this.platformKeyId,
      ...(cp.suite ? { suite: cp.suite } : {}),
    };
    return {
      protocol: RECEIPT_PROTOCOL,
      ...unsigned,
      signature: signBytes(this.options.privateKey, Buffer.from(receiptManifest(unsigned))),
    };
  }

  /** The venue's latest checkpoint the hub holds (what the next one must extend). */
  latest(venue: string): Promise<{ size: number; root: string; suite: CheckpointSuite } | null> {
    return this.options.store.latestCheckpoint(venue);
  }

  private async held(venue: string, size: number) {
    const row = await this.options.store.checkpointAt(venue, size);
    return row && { root: row.root, head_hash: row.head_hash, receipt: JSON.parse(row.receipt) as Receipt };
  }
}

interface CheckpointSubmissionProof {
  fromSize: number;
  hashes: unknown[];
}
