// The 国密 suite for checkpoints: SM2 signatures (GB/T 32918.2-2016, with the user-id digest Z_A) and SM3
// (GB/T 32905-2016). Node's OpenSSL has SM3 and generates SM2-curve keys, but signs ECDSA on that curve, not
// SM2, and cannot export an SM2 key it read back from a file; so the signature equations are done here over
// BigInt and keys are read from their PEM bytes. Keys are ordinary PKCS8/SPKI PEM files that OpenSSL, GmSSL and
// other SM2 tools read. BigInt arithmetic is not constant-time: fine for signing public tree heads on the venue
// server; a venue that must resist local timing attacks signs with a 密码机 (HSM) instead.
import { hash, randomBytes } from 'node:crypto';

/** sm2p256v1 (GB/T 32918.5-2017). */
const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

/** The default distinguishing identifier of GB/T 35276-2017 (what sm-crypto, OpenSSL and GmSSL use). */
export const SM2_DEFAULT_ID = '1234567812345678';

export const sm3 = (data: Uint8Array): Buffer => hash('sm3', data, 'buffer');

type Point = { x: bigint; y: bigint } | null; // null: the point at infinity
type Jacobian = [bigint, bigint, bigint]; // X, Y, Z with x = X/Z², y = Y/Z³; Z = 0 at infinity

const mod = (a: bigint, m: bigint) => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('sm2: not invertible');
  return mod(s0, m);
}

function double([x, y, z]: Jacobian): Jacobian {
  if (z === 0n || y === 0n) return [1n, 1n, 0n];
  const yy = (y * y) % P;
  const s = (4n * x * yy) % P;
  const zz = (z * z) % P;
  const m = mod(3n * x * x + A * zz * zz, P);
  const x3 = mod(m * m - 2n * s, P);
  return [x3, mod(m * (s - x3) - 8n * yy * yy, P), (2n * y * z) % P];
}

function add(p: Jacobian, q: Jacobian): Jacobian {
  if (p[2] === 0n) return q;
  if (q[2] === 0n) return p;
  const [x1, y1, z1] = p;
  const [x2, y2, z2] = q;
  const z1z1 = (z1 * z1) % P;
  const z2z2 = (z2 * z2) % P;
  const u1 = (x1 * z2z2) % P;
  const u2 = (x2 * z1z1) % P;
  const s1 = (y1 * z2 * z2z2) % P;
  const s2 = (y2 * z1 * z1z1) % P;
  if (u1 === u2) return s1 === s2 ? double(p) : [1n, 1n, 0n];
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  const hh = (h * h) % P;
  const hhh = (h * hh) % P;
  const v = (u1 * hh) % P;
  const x3 = mod(r * r - hhh - 2n * v, P);
  return [x3, mod(r * (v - x3) - s1 * hhh, P), (z1 * z2 * h) % P];
}

function multiply(k: bigint, point: { x: bigint; y: bigint }): Point {
  let result: Jacobian = [1n, 1n, 0n];
  let addend: Jacobian = [point.x, point.y, 1n];
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(result, addend);
    addend = double(addend);
  }
  return toAffine(result);
}

function toAffine([x, y, z]: Jacobian): Point {
  if (z === 0n) return null;
  const zi = inverse(z, P);
  const zi2 = (zi * zi) % P;
  return { x: (x * zi2) % P, y: (y * zi2 * zi) % P };
}

const G = { x: GX, y: GY };
const bytes32 = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);

/** The DER bytes of a PEM block. */
const pemBytes = (pem: string): Buffer =>
  Buffer.from(pem.replace(/-----(BEGIN|END)[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

/** OID 1.2.156.10197.1.301 (the SM2 curve) as DER: what marks a PEM key as SM2. */
const SM2_CURVE_OID = Buffer.from('06082a811ccf5501822d', 'hex');

export const isSm2Pem = (pem: string): boolean => pemBytes(pem).includes(SM2_CURVE_OID);

export interface Sm2PublicKey {
  x: bigint;
  y: bigint;
}

export interface Sm2PrivateKey {
  d: bigint;
  publicKey: Sm2PublicKey;
}

/** From a PKCS8 or SEC1 PEM: the ECPrivateKey's `02 01 01 04 20 ‹d›`; the public point is derived. */
export function sm2PrivateKeyFromPem(pem: string): Sm2PrivateKey {
  const der = pemBytes(pem);
  const at = der.indexOf(Buffer.from('0201010420', 'hex'));
  if (!isSm2Pem(pem) || at < 0) throw new Error('sm2: not an SM2 private key (PKCS8 or SEC1 PEM)');
  const d = toBig(der.subarray(at + 5, at + 37));
  return { d, publicKey: multiply(d, G)! };
}

/** From an SPKI PEM: its last 65 bytes are 04 ‖ x ‖ y. */
export function sm2PublicKeyFromPem(pem: string): Sm2PublicKey {
  const der = pemBytes(pem);
  const raw = der.subarray(der.length - 65);
  if (!isSm2Pem(pem) || raw[0] !== 0x04) throw new Error('sm2: not an SM2 public key (SPKI PEM)');
  return { x: toBig(raw.subarray(1, 33)), y: toBig(raw.subarray(33)) };
}

/** 04 ‖ x ‖ y, hex: how sm-crypto and most 国密 tools exchange public keys. */
export const sm2PublicKeyHex = (key: Sm2PublicKey): string =>
  `04${bytes32(key.x).toString('hex')}${bytes32(key.y).toString('hex')}`;

/** e = SM3(Z_A ‖ M), Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA). */
function digestFor(message: Uint8Array, pub: Sm2PublicKey, id: string): bigint {
  const idBytes = Buffer.from(id, 'utf8');
  const entl = Buffer.from([(idBytes.length * 8) >> 8, (idBytes.length * 8) & 0xff]);
  const z = sm3(Buffer.concat([entl, idBytes, ...[A, B, GX, GY, pub.x, pub.y].map(bytes32)]));
  return toBig(sm3(Buffer.concat([z, message])));
}

/** DER SEQUENCE { INTEGER r, INTEGER s } (GM/T 0009-2012), as sm-crypto and OpenSSL encode it. */
function derSignature(r: bigint, s: bigint): Buffer {
  const int = (v: bigint) => {
    let b = bytes32(v);
    while (b.length > 1 && b[0] === 0 && b[1]! < 0x80) b = b.subarray(1);
    if (b[0]! >= 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return Buffer.concat([Buffer.from([0x02, b.length]), b]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function parseDerSignature(sig: Buffer): { r: bigint; s: bigint } | null {
  if (sig[0] !== 0x30 || sig[1] !== sig.length - 2) return null;
  const ints: bigint[] = [];
  for (let at = 2; at < sig.length; ) {
    if (sig[at] !== 0x02) return null;
    const len = sig[at + 1]!;
    ints.push(toBig(sig.subarray(at + 2, at + 2 + len)));
    at += 2 + len;
  }
  return ints.length === 2 ? { r: ints[0]!, s: ints[1]! } : null;
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

export function sm2Verify(pub: Sm2PublicKey, message: Uint8Array, signature: string, id = SM2_DEFAULT_ID): boolean {
  const rs = parseDerSignature(Buffer.from(signature, 'base64'));
  if (!rs || rs.r < 1n || rs.r >= N || rs.s < 1n || rs.s >= N) return false;
  const t = mod(rs.r + rs.s, N);
  if (t === 0n) return false;
  const sum = toAffine(add(jac(multiply(rs.s, G)), jac(multiply(t, pub))));
  return sum !== null && mod(digestFor(message, pub, id) + sum.x, N) === rs.r;
}

const jac = (p: Point): Jacobian => (p ? [p.x, p.y, 1n] : [1n, 1n, 0n]);
