import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { smCrypto } from '../edge/store/sm-crypto-reference.ts';
import { sm2PublicKeyFromPem, sm2PublicKeyHex } from '../edge/store/sm2.ts';
import { checkpointSigner } from '../edge/store/suites.ts';
import { batchManifest, bodyDigest, type SignedBatch, signBytes } from '../edge/sync/wire.ts';
import { outboxOver, startTestHub, type TestHub } from '../test/sync-fixture.ts';
import { verifyStoredChain } from './audit.ts';

let city: TestHub;
const venues: Awaited<ReturnType<typeof outboxOver>>[] = [];

beforeEach(async () => {
  city = await startTestHub();
});
afterEach(async () => {
  for (const v of venues.splice(0)) await v.close();
  await city.stop();
});

async function venueWithEvents(id: string, n: number) {
  const v = await outboxOver(id, city.http.url, { hub: city.hub });
  venues.push(v);
  v.log.appendMany(
    Array.from({ length: n }, (_, i) => ({
      type: 'session.state-changed' as const,
      session: 'S1',
      actor: 'system',
      data: {
        from: 'scheduled' as const,
        to: i % 2 ? ('checkin-open' as const) : ('cancelled' as const),
        reason: null,
      },
    })),
  );
  return v;
}

/** POSTs a batch as a venue (or an attacker) would, returning the HTTP status and answer. */
async function post(batch: unknown, venue = (batch as SignedBatch).venue) {
  const res = await fetch(`${city.http.url}/v1/venues/${venue}/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(batch),
  });
  return { status: res.status, body: (await res.json()) as { status: string; error?: string } };
}

const clone = (b: SignedBatch): SignedBatch => JSON.parse(JSON.stringify(b));

describe('city hub checks each batch', () => {
  it('rejects tampered, re-signed, forged, misrouted and broken-chain batches and keeps nothing from them', async () => {
    const jincheng = await venueWithEvents('jincheng', 10);
    const gaoping = await venueWithEvents('gaoping', 10);
    const genuine = jincheng.outbox.buildBatch(0, 10)!;

    // Content changed after signing, digest left alone.
    const edited = clone(genuine);
    (edited.events[3]!.body as Record<string, unknown>).to = 'in-progress';
    expect(await post(edited)).toMatchObject({
      status: 400,
      body: { error: 'events[3].bodyDigest: does not match its content' },
    });

    // Content and its digest changed: the venue's signature no longer covers it.
    const redigested = clone(edited);
    redigested.events[3]!.bodyDigest = bodyDigest(redigested.events[3]!);
    expect(await post(redigested)).toMatchObject({ status: 401, body: { status: 'rejected' } });

    // An event removed from the middle: the chain no longer links.
    const cut = clone(genuine);
    cut.events.splice(5, 1);
    cut.lastSeq = 9;
    cut.lastHash = cut.events[8]!.hash;
    expect((await post(cut)).body.error).toMatch(/events\[5\]\.(seq|prevHash)/);

    // Signed with another venue's key (gaoping signing as jincheng).
    const forged = clone(genuine);
    const unsigned = { ...forged, keyId: gaoping.key.keyId };
    forged.keyId = gaoping.key.keyId;
    forged.signature = signBytes(gaoping.key.privateKey, batchManifest(unsigned));
    expect(await post(forged)).toMatchObject({ status: 403, body: { error: expect.stringMatching(/keyId/) } });
    const forgedSameKeyId = clone(genuine);
    forgedSameKeyId.signature = signBytes(gaoping.key.privateKey, batchManifest(genuine));
    expect(await post(forgedSameKeyId)).toMatchObject({ status: 401 });

    // Jincheng's genuine batch posted as gaoping's.
    expect((await post(genuine, 'gaoping')).status).toBe(400);
    // A venue nobody registered.
    expect(await post({ ...clone(genuine), venue: 'datong' })).toMatchObject({ status: 403 });
    // Not a batch at all: the answer names the field.
    expect(await post({ ...clone(genuine), firstSeq: 'one' })).toMatchObject({
      status: 400,
      body: { error: 'batch/firstSeq: must be integer' },
    });

    expect((await city.hub.head('jincheng')).seq).toBe(0);
    expect(await city.hub.events('jincheng')).toEqual([]);
    // The genuine batch is still accepted, and a batch that skips ahead is told where to resume.
    expect(await post(genuine)).toMatchObject({ status: 200, body: { status: 'ack', ackedSeq: 10 } });
    jincheng.log.appendMany([
      { type: 'edge.stopped' },
      { type: 'edge.started', data: { bus: 'mqtt://b', http: 'http://h' } },
    ]);
    const ahead = jincheng.outbox.buildBatch(11, 5)!;
    expect(await post(ahead)).toMatchObject({ status: 409, body: { status: 'gap', expectedSeq: 11 } });
  });

  it('refuses a batch carrying forbidden fields even when correctly signed', async () => {
    const v = await venueWithEvents('lingchuan', 3);
    const batch = v.outbox.buildBatch(0, 3)!;
    // A venue whose allow-list was wrongly extended: the platform's own scan catches it.
    batch.events[1]!.body = { ...batch.events[1]!.body, expertName: 'zhang-san' };
    batch.events[1]!.bodyDigest = bodyDigest(batch.events[1]!);
    const { signature: _, protocol: __, ...unsigned } = batch;
    batch.signature = signBytes(v.key.privateKey, batchManifest(unsigned));
    expect(await post(batch)).toMatchObject({ status: 422, body: { error: expect.stringMatching(/expertName/) } });
    expect(city.hub.violations).toEqual([
      { path: '$[1].body.expertName', what: 'a name', venue: 'lingchuan', firstSeq: 1 },
    ]);
    expect((await city.hub.head('lingchuan')).seq).toBe(0);
  });
});

describe('city hub: batches in the 国密 suite (SM2)', () => {
  /** An SM2 key made by OpenSSL, its signer, and the raw hex keys sm-crypto (the independent check) takes. */
  async function sm2Venue(id: string) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const signer = checkpointSigner(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const d = pair.privateKey.export({ format: 'der', type: 'sec1' }).subarray(7, 39).toString('hex');
    const publicHex = sm2PublicKeyHex(sm2PublicKeyFromPem(publicPem));
    await city.hub.registerCheckpointKey(id, publicPem);
    const v = await outboxOver(id, city.http.url, { hub: city.hub, batchSigner: signer });
    venues.push(v);
    v.log.appendMany(
      Array.from({ length: 10 }, (_, i) => ({ type: 'clock.jumped', subject: 'door-1', data: { byMs: i } })),
    );
    return { v, signer, d, publicHex };
  }
  const manifestOf = ({ signature: _, protocol: __, ...unsigned }: SignedBatch) => [...batchManifest(unsigned)];

  it('an SM2 batch verifies in sm-crypto, and one signed by sm-crypto is accepted and audits', async () => {
    const { v, signer, d, publicHex } = await sm2Venue('qinshui');
    const batch = v.outbox.buildBatch(0, 10)!;
    expect(batch).toMatchObject({ suite: 'sm2-sm3', keyId: signer.keyId });
    const derHex = Buffer.from(batch.signature, 'base64').toString('hex');
    expect(smCrypto.sm2.doVerifySignature(manifestOf(batch), derHex, publicHex, { der: true, hash: true })).toBe(true);

    const theirs = clone(batch);
    const theirSignature = smCrypto.sm2.doSignature(manifestOf(batch), d, {
      der: true,
      hash: true,
      publicKey: publicHex,
    });
    theirs.signature = Buffer.from(theirSignature, 'hex').toString('base64');
    expect(await post(theirs)).toMatchObject({ status: 200, body: { status: 'ack', ackedSeq: 10 } });
    expect(await city.hub.batches('qinshui')).toMatchObject([{ suite: 'sm2-sm3', keyId: signer.keyId }]);
    expect(await verifyStoredChain(city.hub, 'qinshui')).toEqual({ ok: true, events: 10 });
  });

  it('refuses a downgrade to Ed25519, a suite label stripped, and another SM2 key', async () => {
    const { v } = await sm2Venue('gaoping');
    const batch = v.outbox.buildBatch(0, 10)!;
    // The venue's Ed25519 sync key, validly signing the default suite: a 国密 venue may not do that.
    const { suite: _, signature: __, protocol: ___, ...ed25519 } = batch;
    const downgraded = { ...ed25519, keyId: v.key.keyId, protocol: batch.protocol, signature: '' };
    downgraded.signature = signBytes(v.key.privateKey, batchManifest(downgraded));
    expect(await post(downgraded)).toMatchObject({ status: 403, body: { error: expect.stringMatching(/sm2-sm3/) } });
    // The SM2 signature with the suite label removed: the manifest (SHA-256 lines, no suite) is not what was signed.
    const stripped: Partial<SignedBatch> = clone(batch);
    delete stripped.suite;
    expect(await post(stripped)).toMatchObject({ status: 403 });
    // Another SM2 key, claiming the registered keyId.
    const other = checkpointSigner(
      generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
    const forged = clone(batch);
    forged.signature = other.sign(batchManifest(batch));
    expect(await post(forged)).toMatchObject({ status: 401, body: { error: expect.stringMatching(/sm2-sm3 key/) } });
    expect((await city.hub.head('gaoping')).seq).toBe(0);
    expect(await post(batch)).toMatchObject({ status: 200, body: { status: 'ack', ackedSeq: 10 } });
  });
});
