import { describe, expect, it } from 'vitest';
import type { Point } from './face/face-engine.ts';
import { livenessFrom } from './liveness.ts';
import { DEFAULT_POLICY, type Descriptor, euclidean, fuse, identify, verifyOneToOne } from './match-policy.ts';

/** A descriptor with the given non-zero components. */
const at = (values: Record<number, number>): Descriptor => Array.from({ length: 128 }, (_, i) => values[i] ?? 0);

describe('1:1 verification', () => {
  const chip = at({ 0: 1 });
  const near = at({ 0: 1, 1: 0.4 }); // 0.4 away
  const far = at({ 0: 1, 1: 0.7 }); // 0.7 away
  const votes = { ...DEFAULT_POLICY, threshold: 0.55, fusion: 'votes' as const };

  it('by votes: needs the threshold met on enough frames, and by a majority', () => {
    expect(euclidean(chip, near)).toBeCloseTo(0.4);
    expect(verifyOneToOne(chip, [near, near, far], votes)).toMatchObject({ match: true, agreeing: 2, required: 2 });
    expect(verifyOneToOne(chip, [near, far, far], votes)).toMatchObject({ match: false, agreeing: 1 });
    expect(verifyOneToOne(chip, [near, far], votes)).toMatchObject({ match: false, agreeing: 1, required: 2 });
    expect(verifyOneToOne(chip, [near], votes)).toMatchObject({ match: true, required: 1 });
    expect(verifyOneToOne(chip, [], votes)).toMatchObject({ match: false });
  });

  it('by votes: is strict at the threshold', () => {
    const edge = at({ 0: 1, 1: 0.56 });
    expect(verifyOneToOne(chip, [edge, edge], votes).match).toBe(false);
    expect(verifyOneToOne(chip, [edge, edge], { ...votes, threshold: 0.6 }).match).toBe(true);
  });

  it('fuses unit-length frames: the mean keeps what they share and averages out what differs', () => {
    // Two frames of one face, each off in a different direction: each is 0.45 away from the chip photo on its
    // own (no vote passes the threshold), their mean much closer.
    const a = at({ 0: 0.9, 1: 0.436 });
    const b = at({ 0: 0.9, 2: 0.436 });
    const unitChip = at({ 0: 1 });
    expect(euclidean(unitChip, fuse([a]))).toBeGreaterThan(DEFAULT_POLICY.threshold);
    expect(euclidean(unitChip, fuse([a, b]))).toBeLessThan(DEFAULT_POLICY.threshold);
    const decision = verifyOneToOne(unitChip, [a, b]);
    expect(decision).toMatchObject({ match: true, agreeing: 0, required: 2 });
    expect(decision.fused).toBeLessThan(DEFAULT_POLICY.threshold);
    expect(verifyOneToOne(unitChip, [a, b], { ...DEFAULT_POLICY, fusion: 'votes' }).match).toBe(false);
    // Scale does not matter: descriptors are compared as unit vectors.
    const scaled = fuse([a.map((v) => v * 3), b]);
    for (const [i, v] of fuse([a, b]).entries()) expect(scaled[i]).toBeCloseTo(v, 9);
  });

  it('fused: refuses a different face, and decides nothing without frames', () => {
    const other = at({ 5: 1 });
    expect(verifyOneToOne(at({ 0: 1 }), [other, other, other])).toMatchObject({ match: false });
    expect(verifyOneToOne(at({ 0: 1 }), [])).toMatchObject({ match: false, fused: null });
  });
});

describe('1:N identification', () => {
  const gallery = [
    { id: 'E1', templates: [at({ 0: 1 })] },
    { id: 'E2', templates: [at({ 2: 1 }), at({ 3: 1 })] },
  ];

  it('names the identity every frame agrees on', () => {
    const live = at({ 3: 1, 5: 0.3 });
    const decision = identify(gallery, [live, live]);
    expect(decision.identity).toBe('E2');
    expect(decision.frames[0]).toMatchObject({ vote: 'E2', best: 0.3 });
  });

  it('refuses a face close to nobody, and one too close to two people', () => {
    expect(identify(gallery, [at({ 7: 1 })])).toMatchObject({ identity: null, reason: 'no-match' });
    const between = [
      { id: 'A', templates: [at({ 0: 1 })] },
      { id: 'B', templates: [at({ 0: 1, 1: 0.5 })] },
    ];
    const live = at({ 0: 1, 1: 0.26 }); // 0.26 from A, 0.24 from B: inside the threshold, inside the margin
    expect(identify(between, [live, live])).toMatchObject({ identity: null, reason: 'ambiguous' });
  });

  it('refuses when frames point at different people', () => {
    expect(identify(gallery, [at({ 0: 1 }), at({ 2: 1 })])).toMatchObject({
      identity: null,
      reason: 'frames-disagree',
    });
  });
});

describe('liveness signal', () => {
  /** 68 points: eyes at 36–47 with the given openness, the nose tip (30) offset sideways by `turn`. */
  function face(openness: number, turn: number): Point[] {
    const points: Point[] = Array.from({ length: 68 }, () => [50, 50]);
    const eye = (x0: number): Point[] => [
      [x0, 40],
      [x0 + 3, 40 - openness * 5],
      [x0 + 7, 40 - openness * 5],
      [x0 + 10, 40],
      [x0 + 7, 40 + openness * 5],
      [x0 + 3, 40 + openness * 5],
    ];
    points.splice(36, 6, ...eye(30));
    points.splice(42, 6, ...eye(60));
    points[30] = [50 + turn, 60];
    return points;
  }

  it('tells a blink and a head turn from a still picture, and says when there is too little to tell', () => {
    expect(livenessFrom([face(0.3, 0), face(0.3, 0), face(0.3, 0)]).verdict).toBe('static');
    expect(livenessFrom([face(0.3, 0), face(0.05, 0), face(0.3, 0)]).verdict).toBe('blink');
    expect(livenessFrom([face(0.3, 0), face(0.3, 5)]).verdict).toBe('head-movement');
    expect(livenessFrom([face(0.3, 0)]).verdict).toBe('too-few-frames');
  });
});
