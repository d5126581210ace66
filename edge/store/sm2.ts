// The 国密 suite's SM2 keys and signing (GB/T 32918.2-2016, with the user-id digest Z_A) and SM3 (GB/T
// 32905-2016) for the edge. Node's OpenSSL has SM3 and generates SM2-curve keys, but signs ECDSA on that curve,
// not SM2, and cannot export an SM2 key it read back from a file; so the signature equations are done over BigInt
// (sm2-curve.ts, which the browser verifier shares) and keys are read from their PEM bytes. Keys are ordinary
// PKCS8/SPKI PEM files that OpenSSL, GmSSL and other SM2 tools read. BigInt arithmetic is not constant-time: fine
// for signing public tree heads and batches on the venue server; a venue that must resist local timing attacks
// signs with a 密码机 (HSM) instead.
import { hash, randomBytes } from 'node:crypto';
import {
  bytes32,
  digestFor,
  G,
  inverse,
  mod,
  multiply,
  N,
  pemBytes,
  SM2_DEFAULT_ID,
  type Sm2PublicKey,
  sm2PointFromSpki,
  toBig,
} from './sm2-curve.ts';

export { SM2_DEFAULT_ID, type Sm2PublicKey, sm2Verify } from './sm2-curve.ts';

/** SM3 through OpenSSL: what the edge hashes trees and chains with (sm3.ts is the portable one). */
export const sm3 = (data: Uint8Array): Buffer => hash('sm3', data, 'buffer');

/** OID 1.2.156.10197.1.301 (the SM2 curve) as DER: what marks a PEM key as SM2. */
const SM2_CURVE_OID = Buffer.from('06082a811ccf5501822d', 'hex');

export const isSm2Pem = (pem: string): boolean => Buffer.from(pemBytes(pem)).includes(SM2_CURVE_OID);

export interface Sm2PrivateKey {
  d: bigint;
  publicKey: Sm2PublicKey;
}

/** From a PKCS8 or SEC1 PEM: the ECPrivateKey's `02 01 01 04 20 ‹d›`; the public point is derived. */
export function sm2PrivateKeyFromPem(pem: string): Sm2PrivateKey {
  const der = Buffer.from(pemBytes(pem));
  const at = der.indexOf(Buffer.from('0201010420', 'hex'));
  if (!isSm2Pem(pem) || at < 0) throw new Error('sm2: not an SM2 private key (PKCS8 or SEC1 PEM)');
  const d = toBig(der.subarray(at + 5, at + 37));
  return { d, publicKey: multiply(d, G)! };
}

/** From an SPKI PEM: its last 65 bytes are 04 ‖ x ‖ y. */
export function sm2PublicKeyFromPem(pem: string): Sm2PublicKey {
  const point = isSm2Pem(pem) ? sm2PointFromSpki(pem) : null;
  if (!point) throw new Error('sm2: not an SM2 public key (SPKI PEM)');
  return point;
}

/** 04 ‖ x ‖ y, hex: how sm-crypto and most 国密 tools exchange public keys. */
export const sm2PublicKeyHex = (key: Sm2PublicKey): string =>
  `04${Buffer.from(bytes32(key.x)).toString('hex')}${Buffer.from(bytes32(key.y)).toString('hex')}`;

/** DER SEQUENCE { INTEGER r, INTEGER s } (GM/T 0009-2012), as sm-crypto and OpenSSL encode it. */
function derSignature(r: bigint, s: bigint): Buffer {
  const int = (v: bigint) => {
    let b = Buffer.from(bytes32(v));
    while (b.length > 1 && b[0] === 0 && b[1]! < 0x80) b = b.subarray(1);
    if (b[0]! >= 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return Buffer.concat([Buffer.from([0x02, b.length]), b]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** SM2 signature of `message` (DER, base64) with the default identifier. */
export function sm2Sign(privateKey: Sm2PrivateKey, message: Uint8Array, id = SM2_DEFAULT_ID): string {
  const { d } = privateKey;
  const e = digestFor(message, privateKey.publicKey, id);
  for (;;) {
    const k = toBig(randomBytes(32));
    if (k === 0n || k >= N) continue;
    const r = mod(e + multiply(k, G)!.x, N);
    if (r === 0n || r + k === N) continue;
    const s = mod(inverse(1n + d, N) * (k - r * d), N);
    if (s !== 0n) return derSignature(r, s).toString('base64');
  }
}
