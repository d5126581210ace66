import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_PROTOCOL, type Checkpoint, checkpointManifest } from '../edge/store/checkpoint-format.ts';
import { eventLeaf, MerkleTree } from '../edge/store/merkle.ts';
import { toHex } from '../edge/store/merkle-verify.ts';
import { sm3 } from '../edge/store/sm2.ts';
import { checkpointSigner } from '../edge/store/suites.ts';
import { keyId, signBytes } from '../edge/sync/wire.ts';
import { CityHub } from './hub.ts';

const venueKey = generateKeyPairSync('ed25519');
const otherKey = generateKeyPairSync('ed25519');
const pem = venueKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const hashes = Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(64, '0'));
const tree = new MerkleTree(hashes.map((h) => eventLeaf(h)));

function checkpoint(size: number, options: { root?: string; key?: typeof venueKey } = {}): Checkpoint {
  const key = options.key ?? venueKey;
  const unsigned = {
    venue: 'lingchuan',
    keyId: keyId(venueKey.publicKey),
    size,
    root: options.root ?? toHex(tree.root(size)),
    headHash: hashes[size - 1]!,
    at: 1_700_000_000_000 + size,
  };
  return {
    protocol: CHECKPOINT_PROTOCOL,
    ...unsigned,
    signature: signBytes(key.privateKey, Buffer.from(checkpointManifest(unsigned))),
  };
}
const proof = (from: number, to: number) => ({ fromSize: from, hashes: tree.consistencyProof(from, to).map(toHex) });

let hub: CityHub | null = null;
afterEach(async () => {
  await hub?.close();
  hub = null;
});

describe('city hub: checkpoints in, receipts out', () => {
  it.each([
    { name: 'a first checkpoint', submit: [{ checkpoint: checkpoint(40), proof: null }], answer: 'receipt' },
    {
      name: 'the next one with its consistency proof',
      submit: [
        { checkpoint: checkpoint(40), proof: null },
        { checkpoint: checkpoint(70), proof: proof(40, 70) },
      ],
      answer: 'receipt',
    },
    {
      name: 'the same checkpoint again (the venue missed the answer)',
      submit: [
        { checkpoint: checkpoint(40), proof: null },
        { checkpoint: checkpoint(40), proof: null },
      ],
      answer: 'receipt',
    },
    {
      name: 'a forged signature',
      submit: [{ checkpoint: checkpoint(40, { key: otherKey }), proof: null }],
      answer: /signature: not valid/,
    },
    {
      name: 'no proof from the checkpoint held',
      submit: [
        { checkpoint: checkpoint(40), proof: null },
        { checkpoint: checkpoint(70), proof: null },
      ],
      answer: /consistency proof from the checkpoint held \(size 40\) is required/,
    },
    {
      name: 'a rewritten record (its root does not extend the one held)',
      submit: [
        { checkpoint: checkpoint(40), proof: null },
        { checkpoint: checkpoint(70, { root: 'ab'.repeat(32) }), proof: proof(40, 70) },
      ],
      answer: /does not extend the checkpoint held/,
    },
    {
      name: 'a record cut back behind the checkpoint held',
      submit: [
        { checkpoint: checkpoint(70), proof: null },
        { checkpoint: checkpoint(40), proof: proof(40, 70) },
      ],
      answer: /behind the checkpoint held \(size 70\)/,
    },
    {
      name: 'another root for a size held (a fork)',
      submit: [
        { checkpoint: checkpoint(40), proof: null },
        { checkpoint: checkpoint(40, { root: 'cd'.repeat(32) }), proof: null },
      ],
      answer: /fork/,
    },
    { name: 'not a checkpoint', submit: [{ checkpoint: { size: 'x' }, proof: null }], answer: /checkpoint\.protocol/ },
  ])('$name', async ({ submit, answer }) => {
    hub = await CityHub.open({ store: { sqlite: ':memory:' } });
    await hub.registerVenue('lingchuan', pem);
    const answers = [];
    for (const s of submit) answers.push(await hub.notary.receive(s));
    const last = answers[answers.length - 1]!;
    if (answer === 'receipt') {
      expect(last).toMatchObject({ status: 'receipt', receipt: { size: submit[submit.length - 1]!.checkpoint.size } });
      if (answers.length === 2 && submit[0]!.checkpoint === submit[1]!.checkpoint)
        expect(answers[1]).toEqual(answers[0]);
    } else {
      expect(last.status).toBe('refused');
      expect(last.status === 'refused' && last.error).toMatch(answer);
    }
  });
});

describe('city hub: 国密 checkpoints (SM2 over an SM3 tree)', () => {
  const sm2Key = generateKeyPairSync('ec', { namedCurve: 'SM2' });
  const sm3Tree = new MerkleTree(
    hashes.map((h) => eventLeaf(h, sm3)),
    undefined,
    sm3,
  );
  const signer = checkpointSigner(sm2Key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const sm2Checkpoint = (size: number, root = toHex(sm3Tree.root(size))): Checkpoint => {
    const unsigned = {
      venue: 'lingchuan',
      keyId: signer.keyId,
      size,
      root,
      headHash: hashes[size - 1]!,
      at: 1_700_000_000_000 + size,
      suite: 'sm2-sm3' as const,
    };
    return { protocol: CHECKPOINT_PROTOCOL, ...unsigned, signature: signer.sign(checkpointManifest(unsigned)) };
  };

  it('countersigns consistent ones with the SM3 proof, refuses a SHA-256 proof and an unregistered SM2 key', async () => {
    hub = await CityHub.open({ store: { sqlite: ':memory:' } });
    await hub.registerVenue('lingchuan', pem);
    expect(await hub.notary.receive({ checkpoint: sm2Checkpoint(40), proof: null })).toMatchObject({
      status: 'refused',
      error: 'venue lingchuan has no registered sm2-sm3 key',
    });
    await hub.registerCheckpointKey('lingchuan', sm2Key.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const first = await hub.notary.receive({ checkpoint: sm2Checkpoint(40), proof: null });
    expect(first).toMatchObject({ status: 'receipt', receipt: { size: 40, suite: 'sm2-sm3' } });
    const sha256Proof = proof(40, 70);
    expect(await hub.notary.receive({ checkpoint: sm2Checkpoint(70), proof: sha256Proof })).toMatchObject({
      status: 'refused',
    });
    const sm3Proof = { fromSize: 40, hashes: sm3Tree.consistencyProof(40, 70).map(toHex) };
    expect(await hub.notary.receive({ checkpoint: sm2Checkpoint(70), proof: sm3Proof })).toMatchObject({
      status: 'receipt',
      receipt: { size: 70 },
    });
  });
});
