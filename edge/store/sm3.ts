// SM3 (GB/T 32905-2016) in plain TypeScript, for the offline evidence verifier in a browser: WebCrypto has no
// SM3. The edge itself hashes with OpenSSL's (`sm3` in sm2.ts), which is ~10× faster; sm3.test.ts checks that the
// two agree and that both match the independent sm-crypto package. No Node APIs here.

const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e];

const rotl = (x: number, n: number) => ((x << (n & 31)) | (x >>> (32 - (n & 31)))) >>> 0;
const p0 = (x: number) => x ^ rotl(x, 9) ^ rotl(x, 17);
const p1 = (x: number) => x ^ rotl(x, 15) ^ rotl(x, 23);

/** One compression of the 64-byte block at `offset` into the state `v`. */
function compress(v: Uint32Array, block: Uint8Array, offset: number, w: Uint32Array): void {
  for (let j = 0; j < 16; j++) {
    const o = offset + j * 4;
    w[j] = ((block[o]! << 24) | (block[o + 1]! << 16) | (block[o + 2]! << 8) | block[o + 3]!) >>> 0;
  }
  for (let j = 16; j < 68; j++)
    w[j] = (p1(w[j - 16]! ^ w[j - 9]! ^ rotl(w[j - 3]!, 15)) ^ rotl(w[j - 13]!, 7) ^ w[j - 6]!) >>> 0;
  let [a, b, c, d, e, f, g, h] = v as unknown as number[];
  for (let j = 0; j < 64; j++) {
    const t = j < 16 ? 0x79cc4519 : 0x7a879d8a;
    const ss1 = rotl((rotl(a!, 12) + e! + rotl(t, j)) >>> 0, 7);
    const ss2 = ss1 ^ rotl(a!, 12);
    const ff = j < 16 ? a! ^ b! ^ c! : (a! & b!) | (a! & c!) | (b! & c!);
    const gg = j < 16 ? e! ^ f! ^ g! : (e! & f!) | (~e! & g!);
    const tt1 = (ff + d! + ss2 + (w[j]! ^ w[j + 4]!)) >>> 0;
    const tt2 = (gg + h! + ss1 + w[j]!) >>> 0;
    d = c;
    c = rotl(b!, 9);
    b = a;
    a = tt1;
    h = g;
    g = rotl(f!, 19);
    f = e;
    e = p0(tt2) >>> 0;
  }
  const next = [a, b, c, d, e, f, g, h] as number[];
  for (let i = 0; i < 8; i++) v[i] = (v[i]! ^ next[i]!) >>> 0;
}

/** SM3 digest (32 bytes) of `data`. */
export function sm3Portable(data: Uint8Array): Uint8Array {
  const bitLength = data.length * 8;
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32));
  view.setUint32(padded.length - 4, bitLength >>> 0);
  const v = Uint32Array.from(IV);
  const w = new Uint32Array(68);
  for (let offset = 0; offset < padded.length; offset += 64) compress(v, padded, offset, w);
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(i * 4, v[i]!);
  return out;
}
