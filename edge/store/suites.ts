// Which algorithms a venue uses (venue file `record.suite`): Ed25519 + SHA-256 + AES-256-GCM by default, or the
// 国密 suite: SM3 for the hash chain and the Merkle tree, SM2 for checkpoint and sync-batch signatures, SM4 for
// sealed data. The key decides the signature; the suite names the hashes and the cipher.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { keyId, sha256 as sha256Hex, signBytes, verifyBytes } from '../sync/wire.ts';
import type { CheckpointSigner, SignatureCheck } from './anchors.ts';
import type { CheckpointSuite } from './checkpoint-format.ts';
import { CHAIN_FORMAT, type ChainFormat, SM3_CHAIN_FORMAT } from './event-log.ts';
import { type Digest, sha256 } from './merkle.ts';
import type { AsyncDigest } from './merkle-verify.ts';
import type { SealCipher } from './secret-box.ts';
import {
  isSm2Pem,
  type Sm2PublicKey,
  sm2PrivateKeyFromPem,
  sm2PublicKeyFromPem,
  sm2PublicKeyHex,
  sm2Sign,
  sm2Verify,
  sm3,
} from './sm2.ts';

/** The chain format a venue's new events are written in: SM3 (3) in the 国密 suite, SHA-256 (2) otherwise. */
export const chainFormatOf = (suite: CheckpointSuite | undefined): ChainFormat =>
  suite === 'sm2-sm3' ? SM3_CHAIN_FORMAT : CHAIN_FORMAT;

/** The cipher new sealed data (biometrics, expert names, camera passwords) is sealed with in this suite. */
export const sealCipherOf = (suite: CheckpointSuite | undefined): SealCipher =>
  suite === 'sm2-sm3' ? 'sm4-cbc-hmac-sm3' : 'aes-256-gcm';

export const treeDigest = (suite: CheckpointSuite | undefined): Digest => (suite === 'sm2-sm3' ? sm3 : sha256);

/** The same hash for the proof verifier (which takes an async one, as WebCrypto is): SM3 has no WebCrypto. */
export const asyncTreeDigest = (suite: CheckpointSuite | undefined): AsyncDigest => {
  const digest = treeDigest(suite);
  return async (data) => digest(data);
};

/** Checks signatures with a venue's public key (SPKI PEM or key object): SM2 or Ed25519, as the key is. */
export function signatureCheck(publicKey: KeyObject | string): SignatureCheck {
  if (typeof publicKey === 'string' && isSm2Pem(publicKey)) {
    const point: Sm2PublicKey = sm2PublicKeyFromPem(publicKey);
    return (bytes, signature) => sm2Verify(point, bytes, signature);
  }
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return (bytes, signature) => verifyBytes(key, Buffer.from(bytes), signature);
}

/** keyId of an SPKI PEM (first 16 hex of the SHA-256 of its DER), for keys Node cannot export (SM2 read back). */
export const pemKeyId = (spkiPem: string): string =>
  sha256Hex(Buffer.from(spkiPem.replace(/-----(BEGIN|END)[^-]+-----/g, '').replace(/\s+/g, ''), 'base64')).slice(0, 16);

/** Signs checkpoints with the venue's private key (PKCS8 PEM); an SM2 key signs in the 国密 suite. */
export function checkpointSigner(privateKeyPem: string): CheckpointSigner {
  if (isSm2Pem(privateKeyPem)) {
    const key = sm2PrivateKeyFromPem(privateKeyPem);
    return {
      suite: 'sm2-sm3',
      keyId: pemKeyId(sm2SpkiPem(sm2PublicKeyHex(key.publicKey))),
      sign: (bytes) => sm2Sign(key, bytes),
      verify: (bytes, signature) => sm2Verify(key.publicKey, bytes, signature),
    };
  }
  const privateKey = createPrivateKey(privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  return {
    suite: 'ed25519-sha256',
    keyId: keyId(publicKey),
    sign: (bytes) => signBytes(privateKey, Buffer.from(bytes)),
    verify: signatureCheck(publicKey),
  };
}

/** The SPKI PEM of an SM2 public point (the fixed SPKI prefix for the SM2 curve, then 04 ‖ x ‖ y). */
export function sm2SpkiPem(publicKeyHex: string): string {
  const der = Buffer.concat([Buffer.from(SM2_SPKI_PREFIX, 'hex'), Buffer.from(publicKeyHex, 'hex')]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PUBLIC KEY-----\n`;
}

/** SEQUENCE { SEQUENCE { id-ecPublicKey, sm2p256v1 }, BIT STRING (66 bytes) }, up to the point. */
const SM2_SPKI_PREFIX = '3059301306072a8648ce3d020106082a811ccf5501822d034200';

export const sm2KeyFiles = (dataDir: string) => ({
  privateKey: join(dataDir, 'sync', 'venue-sm2.key'),
  publicKey: join(dataDir, 'sync', 'venue-sm2.pub'),
});

/** The venue's SM2 public key (SPKI PEM) if it has one (a venue in the 国密 suite), else null. */
export function sm2PublicKeyPemIn(keysDir: string): string | null {
  const file = sm2KeyFiles(keysDir).publicKey;
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** The venue's SM2 checkpoint key (PKCS8 PEM, owner-only), created on first start in the 国密 suite. */
export function loadOrCreateSm2Key(dataDir: string): string {
  const files = sm2KeyFiles(dataDir);
  if (!existsSync(files.privateKey)) {
    mkdirSync(dirname(files.privateKey), { recursive: true });
    const pair = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    writeFileSync(files.privateKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(files.publicKey, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return readFileSync(files.privateKey, 'utf8');
}
