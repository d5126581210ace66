// The Merkle tree over the event log, as in RFC 9162 §2.1: tree heads, inclusion proofs and consistency proofs.
// A leaf's entry is the event's stored chain hash (32 bytes), see docs/record.md for why.
import { hash } from 'node:crypto';
import { type Bytes, fromHex, isPowerOfTwo, nodeInput, toHex } from './merkle-verify.ts';

/** A synchronous hash function: building trees hashes millions of nodes, so no promise per node. */
export type Digest = (data: Bytes) => Bytes;

export const sha256: Digest = (data) => hash('sha256', data, 'buffer');

/** 0x00 and 32 bytes, reused: leaves are hashed by the million and the digest copies its input out. */
const leafScratch = Buffer.alloc(33);

/** 0x01 and two 32-byte children, reused for the same reason. */
const nodeScratch = Buffer.alloc(65, 0x01);

/** HASH(0x01 || left || right) for the 32-byte hashes of both suites, without allocating its input. */
function hashNode(digest: Digest, left: Bytes, right: Bytes): Bytes {
  if (left.length !== 32 || right.length !== 32) return digest(nodeInput(left, right));
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 33);
  return digest(nodeScratch);
}

/** The leaf hash of one event: HASH(0x00 || its chain hash). */
export function eventLeaf(eventHash: string, digest: Digest = sha256): Bytes {
  if (eventHash.length !== 64 || leafScratch.write(eventHash, 1, 'hex') !== 32)
    throw new Error(`event hash: expected 64 hex, got ${eventHash.slice(0, 70)}`);
  return digest(leafScratch);
}

/** Largest power of two strictly below n (n ≥ 2): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The roots of the perfect subtrees that make up a tree of `size` leaves, largest (leftmost) first — the
 * "compact range" of [0, size). It is all a log needs to keep to extend its root leaf by leaf, and all the
 * old part of the tree a consistency proof from this size needs.
 */
export class MerkleFrontier {
  private constructor(
    private size_: number,
    private readonly nodes_: Bytes[],
    private readonly digest: Digest,
  ) {}

  static empty(digest: Digest = sha256): MerkleFrontier {
    return new MerkleFrontier(0, [], digest);
  }

  /** Rebuilds a frontier kept as hex (a checkpoint line); throws if the count does not fit the size. */
  static fromHex(size: number, nodes: readonly string[], digest: Digest = sha256): MerkleFrontier {
    if (nodes.length !== perfectSubtrees(size).length)
      throw new Error(`frontier: ${nodes.length} nodes for size ${size}, expected ${perfectSubtrees(size).length}`);
    return new MerkleFrontier(size, nodes.map(fromHex), digest);
  }

  get size(): number {
    return this.size_;
  }

  get nodes(): readonly Bytes[] {
    return this.nodes_;
  }

  toHex(): string[] {
    return this.nodes_.map(toHex);
  }

  clone(): MerkleFrontier {
    return new MerkleFrontier(this.size_, [...this.nodes_], this.digest);
  }

  /** Adds one leaf hash: merges equal-sized subtrees like a binary counter carries. */
  append(leafHash: Bytes): void {
    let node = leafHash;
    let size = this.size_;
    while (size % 2 === 1) {
      node = hashNode(this.digest, this.nodes_.pop()!, node);
      size = Math.floor(size / 2);
    }
    this.nodes_.push(node);
    this.size_++;
  }

  /** The tree head: the subtrees folded from the right (RFC 9162 MTH); SHA-256 of nothing for an empty tree. */
  root(): Bytes {
    if (this.nodes_.length === 0) return this.digest(new Uint8Array(0));
    let r = this.nodes_[this.nodes_.length - 1]!;
    for (let i = this.nodes_.length - 2; i >= 0; i--) r = hashNode(this.digest, this.nodes_[i]!, r);
    return r;
  }
}

/** [start, end) of each perfect subtree of a tree of `size` leaves, largest first. */
export function perfectSubtrees(size: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  while (start < size) {
    let k = 1;
    while (k * 2 <= size - start) k *= 2;
    out.push([start, start + k]);
    start += k;
  }
  return out;
}

/** Subtrees at least this large are cached, so many proofs over one tree do not hash the same nodes again. */
const CACHED_SUBTREE = 16;

/**
 * A tree of `base.size + leaves.length` leaves: the old part known only by its frontier (perhaps empty), the
 * new part by its leaf hashes. It answers the root at any size it can reach and the proofs of RFC 9162 §2.1.3
 * and §2.1.4 whose nodes lie in the new part or are nodes of the old frontier (consistency proofs from
 * base.size or later; inclusion proofs of leaves in the new part). With an empty base: any proof.
 */
export class MerkleTree {
  private readonly cache = new Map<string, Bytes>();
  private readonly baseNodes = new Map<string, Bytes>();

  constructor(
    private readonly leaves: readonly Bytes[],
    private readonly base: MerkleFrontier = MerkleFrontier.empty(),
    private readonly digest: Digest = sha256,
  ) {
    for (const [i, [start, end]] of perfectSubtrees(base.size).entries())
      this.baseNodes.set(`${start}:${end}`, base.nodes[i]!);
  }

  get size(): number {
    return this.base.size + this.leaves.length;
  }

  root(size = this.size): Bytes {
    this.checkSize(size);
    return size === 0 ? this.digest(new Uint8Array(0)) : this.subtree(0, size);
  }

  /** RFC 9162 PATH(m, D[n]): the siblings from the leaf at `index` up to the root of the tree of `size` leaves. */
  inclusionProof(index: number, size = this.size): Bytes[] {
    this.checkSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size)
      throw new Error(`inclusion proof: leaf ${index} is not in a tree of ${size}`);
    const proof: Bytes[] = [];
    let [start, end] = [0, size];
    const siblings: Bytes[] = [];
    while (end - start > 1) {
      const k = splitPoint(end - start);
      if (index < start + k) {
        siblings.push(this.subtree(start + k, end));
        end = start + k;
      } else {
        siblings.push(this.subtree(start, start + k));
        start += k;
      }
    }
    // Collected from the root down; the proof lists them from the leaf up.
    for (let i = siblings.length - 1; i >= 0; i--) proof.push(siblings[i]!);
    return proof;
  }

  /** RFC 9162 PROOF(m, D[n]): the nodes showing the tree of size1 leaves is a prefix of the tree of size2. */
  consistencyProof(size1: number, size2 = this.size): Bytes[] {
    this.checkSize(size2);
    if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > size2)
      throw new Error(`consistency proof: size ${size1} is not within ${size2}`);
    if (size1 === 0 || size1 === size2) return [];
    const proof: Bytes[] = [];
    // SUBPROOF(m, D[start:end], b), unrolled: the nodes come out from the root down, in reverse of their order.
    let [m, start, end, complete] = [size1, 0, size2, true];
    const found: Bytes[] = [];
    while (m !== end - start) {
      const k = splitPoint(end - start);
      if (m <= k) {
        found.push(this.subtree(start + k, end));
        end = start + k;
      } else {
        found.push(this.subtree(start, start + k));
        m -= k;
        start += k;
        complete = false;
      }
    }
    if (!complete) proof.push(this.subtree(start, end));
    for (let i = found.length - 1; i >= 0; i--) proof.push(found[i]!);
    return proof;
  }

  /** MTH(D[start:end]) of an RFC 9162 subtree. */
  private subtree(start: number, end: number): Bytes {
    const key = `${start}:${end}`;
    const n = end - start;
    const perfect = isPowerOfTwo(n);
    if (end <= this.base.size) {
      const node = this.baseNodes.get(key);
      if (node) return node;
      // A range that is not a perfect subtree splits into frontier nodes; a perfect one inside them is unknown.
      if (perfect) throw new Error(`subtree [${start}, ${end}) is inside the old part, known only by its frontier`);
    } else if (n === 1) {
      return this.leaves[start - this.base.size]!;
    }
    const cacheable = n >= CACHED_SUBTREE && perfect;
    const cached = cacheable ? this.cache.get(key) : undefined;
    if (cached) return cached;
    const k = splitPoint(n);
    const node = hashNode(this.digest, this.subtree(start, start + k), this.subtree(start + k, end));
    if (cacheable) this.cache.set(key, node);
    return node;
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size)
      throw new Error(`tree size ${size}: this tree has ${this.size} leaves`);
  }
}
