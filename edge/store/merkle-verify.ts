// Verifying RFC 9162 (Certificate Transparency v2) Merkle proofs: one event's inclusion in a tree head, and one
// tree head being a prefix of another. No Node APIs: the offline HTML verifier runs this in a browser with
// WebCrypto, the edge and the city platform run it in Node (which has the same WebCrypto).

export type Bytes = Uint8Array;
/** A hash function as the verifier needs it; SHA-256 through WebCrypto by default. */
export type AsyncDigest = (data: Bytes) => Promise<Bytes>;

export const webSha256: AsyncDigest = async (data) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));

/** RFC 9162 §2.1.1: a leaf is hashed as HASH(0x00 || entry), an interior node as HASH(0x01 || left || right). */
export function leafInput(entry: Bytes): Bytes {
  const out = new Uint8Array(entry.length + 1);
  out[0] = 0x00;
  out.set(entry, 1);
  return out;
}

export function nodeInput(left: Bytes, right: Bytes): Bytes {
  const out = new Uint8Array(left.length + right.length + 1);
  out[0] = 0x01;
  out.set(left, 1);
  out.set(right, left.length + 1);
  return out;
}

export function toHex(bytes: Bytes): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(hex: string): Bytes {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error(`not lowercase hex: ${hex.slice(0, 20)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function sameBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or null when the proof cannot belong to a leaf at
 * this index of a tree of this size (wrong length, index beyond the tree).
 */
export async function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Bytes,
  proof: readonly Bytes[],
  digest: AsyncDigest = webSha256,
): Promise<Bytes | null> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await digest(nodeInput(p, r));
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await digest(nodeInput(r, p));
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** True if `leafHash` is the leaf at `index` of the tree of `size` leaves whose root is `root`. */
export async function verifyInclusion(
  index: number,
  size: number,
  leafHash: Bytes,
  proof: readonly Bytes[],
  root: Bytes,
  digest: AsyncDigest = webSha256,
): Promise<boolean> {
  const computed = await rootFromInclusionProof(index, size, leafHash, proof, digest);
  return computed !== null && sameBytes(computed, root);
}

/** True if the tree of size1 leaves with root1 is a prefix of the tree of size2 leaves with root2 (RFC 9162 §2.1.4.2). */
export async function verifyConsistency(
  size1: number,
  size2: number,
  root1: Bytes,
  root2: Bytes,
  proof: readonly Bytes[],
  digest: AsyncDigest = webSha256,
): Promise<boolean> {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1) return false;
  if (size1 === size2) return proof.length === 0 && sameBytes(root1, root2);
  // Every tree extends the empty tree; nothing needs proving.
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  // When size1 is a power of two, the old root is itself a node of the new tree and is not sent.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await digest(nodeInput(c, fr));
      sr = await digest(nodeInput(c, sr));
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = await digest(nodeInput(sr, c));
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameBytes(fr, root1) && sameBytes(sr, root2);
}

/** Sizes go beyond 2^31, so no bitwise operators on them. */
export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}
