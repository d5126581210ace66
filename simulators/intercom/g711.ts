/** G.711 µ-law (ITU-T G.711), what a station's codec chip does: 16-bit linear PCM ⇄ 8-bit µ-law. */

const BIAS = 0x84;
const CLIP = 32635;

export function linearToMulaw(sample: number): number {
  let s = Math.max(-CLIP, Math.min(CLIP, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function mulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const magnitude = ((((u & 0x0f) << 3) + BIAS) << ((u & 0x70) >> 4)) - BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

/** Root-mean-square level of a µ-law buffer in linear units (0 for digital silence, ~32767 full scale). */
export function mulawRms(payload: Buffer): number {
  if (!payload.length) return 0;
  let sum = 0;
  for (const code of payload) sum += mulawToLinear(code) ** 2;
  return Math.sqrt(sum / payload.length);
}
