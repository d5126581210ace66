// SM2 (GB/T 32918.2-2016) verification and the curve arithmetic signing shares, without Node APIs: the offline
// evidence verifier checks a 国密 checkpoint's SM2 signature in the browser with this file (WebCrypto has no SM2).
// Hashing is the portable SM3; messages here are short manifests, so its speed does not matter.
import { fromHex, toHex } from './merkle-verify.ts';
import { sm3Portable } from './sm3.ts';

/** sm2p256v1 (GB/T 32918.5-2017). */
const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
export const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;
export const G = { x: GX, y: GY };

/** The default distinguishing identifier of GB/T 35276-2017 (what sm-crypto, OpenSSL and GmSSL use). */
export const SM2_DEFAULT_ID = '1234567812345678';

export interface Sm2PublicKey {
  x: bigint;
  y: bigint;
}

type Point = { x: bigint; y: bigint } | null; // null: the point at infinity
type Jacobian = [bigint, bigint, bigint]; // X, Y, Z with x = X/Z², y = Y/Z³; Z = 0 at infinity

export const mod = (a: bigint, m: bigint) => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

export function inverse(a: bigint, m: bigint): bigint {
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

export function multiply(k: bigint, point: { x: bigint; y: bigint }): Point {
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

const jac = (p: Point): Jacobian => (p ? [p.x, p.y, 1n] : [1n, 1n, 0n]);

export const bytes32 = (v: bigint): Uint8Array => fromHex(v.toString(16).padStart(64, '0'));
export const toBig = (b: Uint8Array) => BigInt(`0x${toHex(b) || '0'}`);

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** e = SM3(Z_A ‖ M), Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA). */
export function digestFor(message: Uint8Array, pub: Sm2PublicKey, id: string): bigint {
  const idBytes = new TextEncoder().encode(id);
  const entl = Uint8Array.of((idBytes.length * 8) >> 8, (idBytes.length * 8) & 0xff);
  const z = sm3Portable(concat(entl, idBytes, ...[A, B, GX, GY, pub.x, pub.y].map(bytes32)));
  return toBig(sm3Portable(concat(z, message)));
}

/** The DER bytes of a PEM block. */
export function pemBytes(pem: string): Uint8Array {
  const bin = atob(pem.replace(/-----(BEGIN|END)[^-]+-----/g, '').replace(/\s+/g, ''));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** From an SPKI PEM: its last 65 bytes are 04 ‖ x ‖ y (callers check the curve first: isSm2Pem in sm2.ts). */
export function sm2PointFromSpki(pem: string): Sm2PublicKey | null {
  const raw = pemBytes(pem).slice(-65);
  return raw.length === 65 && raw[0] === 0x04 ? { x: toBig(raw.subarray(1, 33)), y: toBig(raw.subarray(33)) } : null;
}

function parseDerSignature(sig: Uint8Array): { r: bigint; s: bigint } | null {
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

/** Whether `signature` (DER, base64) is an SM2 signature of `message` by `pub`, with the default identifier. */
export function sm2Verify(pub: Sm2PublicKey, message: Uint8Array, signature: string, id = SM2_DEFAULT_ID): boolean {
  let rs: { r: bigint; s: bigint } | null;
  try {
    rs = parseDerSignature(pemBytes(signature));
  } catch {
    return false; // not base64
  }
  if (!rs || rs.r < 1n || rs.r >= N || rs.s < 1n || rs.s >= N) return false;
  const t = mod(rs.r + rs.s, N);
  if (t === 0n) return false;
  const sum = toAffine(add(jac(multiply(rs.s, G)), jac(multiply(t, pub))));
  return sum !== null && mod(digestFor(message, pub, id) + sum.x, N) === rs.r;
}
