import { describe, expect, it } from 'vitest';
import {
  applySimilarity,
  arcfaceChip,
  faceApiChip,
  fitSimilarity,
  invertSimilarity,
  laplacianVariance,
  rollDegrees,
  warpChip,
} from './face-align.mjs';
import type { Point } from './face-engine.ts';

/** 68 landmark points of a schematic upright face: eyes at y 100, nose tip at (150, 140), mouth at y 175. */
function uprightFace(): Point[] {
  const points: Point[] = Array.from({ length: 68 }, () => [150, 150]);
  for (let i = 0; i < 6; i++) {
    const angle = (i / 6) * 2 * Math.PI;
    points[36 + i] = [120 + 12 * Math.cos(angle), 100 + 5 * Math.sin(angle)];
    points[42 + i] = [180 + 12 * Math.cos(angle), 100 + 5 * Math.sin(angle)];
  }
  points[30] = [150, 140];
  for (let i = 48; i < 68; i++) points[i] = [150 + 20 * Math.cos(((i - 48) / 20) * 2 * Math.PI + Math.PI), 175];
  // The mouth corners (48 left, 54 right).
  points[48] = [130, 175];
  points[54] = [170, 175];
  return points;
}

const rotate = (points: Point[], degrees: number, [cx, cy]: Point = [150, 150]): Point[] => {
  const r = (degrees * Math.PI) / 180;
  return points.map(([x, y]) => [
    cx + (x - cx) * Math.cos(r) - (y - cy) * Math.sin(r),
    cy + (x - cx) * Math.sin(r) + (y - cy) * Math.cos(r),
  ]);
};

describe('similarity alignment', () => {
  it('measures the roll from the eye line', () => {
    expect(rollDegrees(uprightFace())).toBeCloseTo(0);
    expect(rollDegrees(rotate(uprightFace(), 20))).toBeCloseTo(20);
    expect(rollDegrees(rotate(uprightFace(), -35))).toBeCloseTo(-35);
  });

  it('fits the rotation, scale and shift that map one point set onto another, and inverts it', () => {
    const from = uprightFace().slice(36, 60);
    const to = rotate(from, 25).map(([x, y]): Point => [2 * x + 7, 2 * y - 3]);
    const t = fitSimilarity(from, to);
    from.forEach((p, i) => {
      const q = applySimilarity(t, p);
      expect(q[0]).toBeCloseTo(to[i]![0], 6);
      expect(q[1]).toBeCloseTo(to[i]![1], 6);
    });
    const back = applySimilarity(invertSimilarity(t), applySimilarity(t, [3, 4]));
    expect(back[0]).toBeCloseTo(3, 9);
    expect(back[1]).toBeCloseTo(4, 9);
  });

  it.each([
    ['face-api layout', faceApiChip],
    ['ArcFace layout', arcfaceChip],
  ])('turns a tilted face upright on the chip (%s)', (_, chip) => {
    for (const tilt of [-30, -10, 15, 40]) {
      const tilted = rotate(uprightFace(), tilt);
      const onChip = tilted.map((p) => applySimilarity(chip(tilted, 112), p));
      expect(Math.abs(rollDegrees(onChip))).toBeLessThan(0.5);
      // The same face upright and tilted lands on the same chip points.
      const upright = uprightFace().map((p) => applySimilarity(chip(uprightFace(), 112), p));
      onChip.forEach((p, i) => {
        expect(p[0]).toBeCloseTo(upright[i]![0], 3);
        expect(p[1]).toBeCloseTo(upright[i]![1], 3);
      });
    }
  });

  it('samples the image so that two bright dots on a tilted line come out level', () => {
    const [width, height] = [300, 300];
    const rgb = new Uint8Array(width * height * 3);
    const tilted = rotate(uprightFace(), 30);
    const [left, right] = [tilted.slice(36, 42), tilted.slice(42, 48)].map((eye) => [
      Math.round(eye.reduce((s, p) => s + p[0], 0) / 6),
      Math.round(eye.reduce((s, p) => s + p[1], 0) / 6),
    ]);
    for (const [x, y] of [left!, right!]) {
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++)
          rgb.fill(255, ((y! + dy) * width + x! + dx) * 3, ((y! + dy) * width + x! + dx) * 3 + 3);
    }
    const side = 112;
    const chip = warpChip(rgb, width, height, invertSimilarity(arcfaceChip(tilted, side)), side);
    const brightest = (fromX: number, toX: number) => {
      let best = { x: 0, y: 0, v: -1 };
      for (let y = 0; y < side; y++)
        for (let x = fromX; x < toX; x++)
          if (chip[(y * side + x) * 3]! > best.v) best = { x, y, v: chip[(y * side + x) * 3]! };
      return best;
    };
    const [l, r] = [brightest(0, side / 2), brightest(side / 2, side)];
    expect(Math.abs(l.y - r.y)).toBeLessThanOrEqual(1);
    expect(r.x - l.x).toBeGreaterThan(25);
  });
});

describe('sharpness', () => {
  it('is high for a sharp pattern and low once it is blurred', () => {
    const side = 112;
    const sharp = new Float32Array(side * side * 3);
    for (let i = 0; i < side * side; i++) sharp.fill(((i % side) >> 2) % 2 === 0 ? 230 : 20, i * 3, i * 3 + 3);
    const blurred = new Float32Array(sharp.length);
    for (let i = 0; i < side * side; i++) {
      const x = i % side;
      let sum = 0;
      for (let dx = -4; dx <= 4; dx++) sum += sharp[(i - x + Math.min(Math.max(x + dx, 0), side - 1)) * 3]!;
      blurred.fill(sum / 9, i * 3, i * 3 + 3);
    }
    expect(laplacianVariance(sharp, side)).toBeGreaterThan(10 * laplacianVariance(blurred, side));
  });
});
