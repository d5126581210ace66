import { describe, expect, it } from 'vitest';
import { MerkleFrontier, MerkleTree, sha256 } from './merkle.ts';
import {
  type Bytes,
  fromHex,
  leafInput,
  rootFromInclusionProof,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from './merkle-verify.ts';

// The RFC 6962/9162 reference vectors of transparency-dev/merkle (proof/verify_test.go): eight entries, the
// roots of the trees of 1..8 of them, and known inclusion and consistency proofs.
const entries = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const roots = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const inclusion: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const consistency: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const leaves = entries.map((e) => sha256(leafInput(fromHex(e))));
const tree = new MerkleTree(leaves);
const hex = (proof: Bytes[]) => proof.map(toHex);
const flip = (b: Bytes) => {
  const copy = Uint8Array.from(b);
  copy[0]! ^= 0x10;
  return copy;
};

describe('Merkle tree (RFC 9162) against the reference vectors', () => {
  it('tree heads of 1..8 entries', () => {
    expect(roots.map((_, i) => toHex(tree.root(i + 1)))).toEqual(roots);
    expect(toHex(tree.root(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it.each(inclusion)('inclusion proof of leaf $index in a tree of $size', async ({ index, size, proof }) => {
    expect(hex(tree.inclusionProof(index, size))).toEqual(proof);
    const root = fromHex(roots[size - 1]!);
    const path = proof.map(fromHex);
    expect(await verifyInclusion(index, size, leaves[index]!, path, root)).toBe(true);
    // Each wrong index, size, leaf, root, or altered / shortened / lengthened proof is refused.
    const wrong: [number, number, Bytes, Bytes[], Bytes][] = [
      [index + 1, size, leaves[index]!, path, root],
      [index, size * 2, leaves[index]!, path, root],
      [index, size, flip(leaves[index]!), path, root],
      [index, size, leaves[index]!, path, flip(root)],
      [index, size, leaves[index]!, [...path, root], root],
      ...path.map((_, i): [number, number, Bytes, Bytes[], Bytes] => [
        index,
        size,
        leaves[index]!,
        path.map((p, j) => (j === i ? flip(p) : p)),
        root,
      ]),
      ...(path.length
        ? [[index, size, leaves[index]!, path.slice(0, -1), root] as [number, number, Bytes, Bytes[], Bytes]]
        : []),
    ];
    for (const args of wrong) expect(await verifyInclusion(...args)).toBe(false);
  });

  it.each(consistency)('consistency proof from $size1 to $size2', async ({ size1, size2, proof }) => {
    expect(hex(tree.consistencyProof(size1, size2))).toEqual(proof);
    const [root1, root2] = [fromHex(roots[size1 - 1]!), fromHex(roots[size2 - 1]!)];
    const path = proof.map(fromHex);
    expect(await verifyConsistency(size1, size2, root1, root2, path)).toBe(true);
    if (path.length === 0) return;
    const wrong: [number, number, Bytes, Bytes, Bytes[]][] = [
      [size1 - 1, size2, root1, root2, path],
      [size1 + 1, size2, root1, root2, path],
      [size1, size2 * 2, root1, root2, path],
      [size1, size2, root2, root1, path],
      [size1, size2, root1, root2, []],
      [size1, size2, root1, root2, path.slice(0, -1)],
      [size1, size2, root1, root2, [...path, root2]],
      ...path.map((_, i): [number, number, Bytes, Bytes, Bytes[]] => [
        size1,
        size2,
        root1,
        root2,
        path.map((p, j) => (j === i ? flip(p) : p)),
      ]),
    ];
    for (const args of wrong) expect(await verifyConsistency(...args)).toBe(false);
  });
});

describe('frontier and partial trees', () => {
  const many = Array.from({ length: 70 }, (_, i) => sha256(leafInput(new Uint8Array([i, i >> 8]))));
  const full = new MerkleTree(many);

  it('the frontier extended leaf by leaf has the root of the full tree at every size', () => {
    const frontier = MerkleFrontier.empty();
    expect(toHex(frontier.root())).toBe(toHex(full.root(0)));
    for (const [i, leaf] of many.entries()) {
      frontier.append(leaf);
      expect(toHex(frontier.root()), `size ${i + 1}`).toBe(toHex(full.root(i + 1)));
    }
  });

  it('a tree known by the frontier at size m proves consistency from m on and inclusion of later leaves', async () => {
    for (const m of [1, 5, 6, 8, 13, 32, 33]) {
      const frontier = MerkleFrontier.empty();
      for (const leaf of many.slice(0, m)) frontier.append(leaf);
      const partial = new MerkleTree(many.slice(m), MerkleFrontier.fromHex(m, frontier.toHex()));
      for (const n of [m, m + 1, 40, 64, 70].filter((n) => n >= m)) {
        expect(hex(partial.consistencyProof(m, n)), `${m}→${n}`).toEqual(hex(full.consistencyProof(m, n)));
        const ok = await verifyConsistency(m, n, full.root(m), partial.root(n), partial.consistencyProof(m, n));
        expect(ok).toBe(true);
      }
      const index = 69;
      const proof = partial.inclusionProof(index, 70);
      expect(toHex((await rootFromInclusionProof(index, 70, many[index]!, proof))!)).toBe(toHex(full.root()));
    }
  });

  it('proofs for every pair of sizes up to 70 verify', async () => {
    for (let n = 1; n <= 70; n += 3) {
      for (let m = 0; m <= n; m += 2) {
        expect(await verifyConsistency(m, n, full.root(m), full.root(n), full.consistencyProof(m, n))).toBe(true);
      }
      for (let i = 0; i < n; i += 5) {
        expect(await verifyInclusion(i, n, many[i]!, full.inclusionProof(i, n), full.root(n))).toBe(true);
      }
    }
  });

  it('refuses a frontier whose node count does not fit its size', () => {
    expect(() => MerkleFrontier.fromHex(3, ['00'])).toThrow(/frontier: 1 nodes for size 3, expected 2/);
  });
});
