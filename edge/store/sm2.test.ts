import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyId } from '../sync/wire.ts';
import { smCrypto } from './sm-crypto-reference.ts';
import { sm2PrivateKeyFromPem, sm2PublicKeyFromPem, sm2PublicKeyHex, sm2Sign, sm2Verify, sm3 } from './sm2.ts';
import { checkpointSigner, pemKeyId, signatureCheck, sm2SpkiPem } from './suites.ts';

/** An SM2 key pair made by OpenSSL (through Node), as PEM, and as the raw hex sm-crypto takes. */
function keyPair() {
  const pair = generateKeyPairSync('ec', { namedCurve: 'SM2' });
  const d = pair.privateKey.export({ format: 'der', type: 'sec1' }).subarray(7, 39).toString('hex');
  const spki = pair.publicKey.export({ format: 'der', type: 'spki' });
  const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    privateKey: sm2PrivateKeyFromPem(privatePem),
    publicKey: sm2PublicKeyFromPem(publicPem),
    privatePem,
    publicPem,
    keyObject: pair.publicKey,
    d,
    pub: spki.subarray(spki.length - 65).toString('hex'),
  };
}

describe('国密 SM3 and SM2 against sm-crypto', () => {
  it('SM3 of the standard vector "abc" and of random bytes', () => {
    expect(sm3(Buffer.from('abc')).toString('hex')).toBe(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
    const bytes = Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff);
    expect(sm3(Uint8Array.from(bytes)).toString('hex')).toBe(smCrypto.sm3(bytes));
  });

  it("keys: the public point derived from the PEM private key is OpenSSL's, and its SPKI and keyId too", () => {
    const k = keyPair();
    expect(sm2PublicKeyHex(k.privateKey.publicKey)).toBe(k.pub);
    expect(smCrypto.sm2.getPublicKeyFromPrivateKey(k.d)).toBe(k.pub);
    expect(sm2SpkiPem(k.pub)).toBe(k.publicPem);
    expect(pemKeyId(k.publicPem)).toBe(keyId(k.keyObject));
    const signer = checkpointSigner(k.privatePem);
    expect(signer).toMatchObject({ suite: 'sm2-sm3', keyId: keyId(k.keyObject) });
    expect(signatureCheck(k.publicPem)(Buffer.from('x'), signer.sign(Buffer.from('x')))).toBe(true);
  });

  it.each(['halledge-checkpoint/1\nqinshui\n…', '', '评标区'])('signatures interoperate both ways: %j', (text) => {
    const k = keyPair();
    const message = Buffer.from(text, 'utf8');
    const ours = sm2Sign(k.privateKey, message);
    const oursHex = Buffer.from(ours, 'base64').toString('hex');
    expect(smCrypto.sm2.doVerifySignature(Array.from(message), oursHex, k.pub, { der: true, hash: true })).toBe(true);
    expect(sm2Verify(k.publicKey, message, ours)).toBe(true);
    const theirs = smCrypto.sm2.doSignature(Array.from(message), k.d, { der: true, hash: true, publicKey: k.pub });
    expect(sm2Verify(k.publicKey, message, Buffer.from(theirs, 'hex').toString('base64'))).toBe(true);
  });

  it('refuses another message, another key and a mangled signature', () => {
    const k = keyPair();
    const other = keyPair();
    const message = Buffer.from('size 100');
    const sig = sm2Sign(k.privateKey, message);
    expect(sm2Verify(k.publicKey, Buffer.from('size 101'), sig)).toBe(false);
    expect(sm2Verify(other.publicKey, message, sig)).toBe(false);
    const bytes = Buffer.from(sig, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(sm2Verify(k.publicKey, message, bytes.toString('base64'))).toBe(false);
    expect(sm2Verify(k.publicKey, message, 'not a signature')).toBe(false);
  });
});
