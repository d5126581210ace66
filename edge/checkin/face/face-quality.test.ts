import { describe, expect, it } from 'vitest';
import type { Point } from './face-engine.ts';
import { DEFAULT_QUALITY, gateFrames, measureFace, qualityProblems } from './face-quality.ts';

/** 68 points of a schematic face: eye centres `eyes` px apart, eyes open by `openness`, nose shifted by `turn`. */
function face({ eyes = 60, openness = 0.3, turn = 0 } = {}): Point[] {
  const points: Point[] = Array.from({ length: 68 }, () => [200, 200]);
  const eye = (cx: number): Point[] => {
    const w = eyes / 3;
    const h = openness * w;
    return [
      [cx - w / 2, 150],
      [cx - w / 6, 150 - h / 2],
      [cx + w / 6, 150 - h / 2],
      [cx + w / 2, 150],
      [cx + w / 6, 150 + h / 2],
      [cx - w / 6, 150 + h / 2],
    ];
  };
  points.splice(36, 6, ...eye(200 - eyes / 2));
  points.splice(42, 6, ...eye(200 + eyes / 2));
  points[30] = [200 + turn * eyes, 190];
  return points;
}

const sharp = 300;

describe('quality gate', () => {
  it('measures eye distance, yaw and eye openness from the landmarks', () => {
    const m = measureFace({ landmarks: face({ eyes: 80, openness: 0.3, turn: 0.25 }), sharpness: sharp });
    expect(m.eyeDistance).toBeCloseTo(80);
    expect(m.yaw).toBeCloseTo(0.25);
    expect(m.eyeOpenness).toBeCloseTo(0.3);
  });

  it.each([
    ['a good frame', { landmarks: face(), sharpness: sharp }, []],
    ['a blurred frame', { landmarks: face(), sharpness: DEFAULT_QUALITY.minSharpness - 1 }, ['blurred']],
    ['a tiny face (blur is not judged on it)', { landmarks: face({ eyes: 15 }), sharpness: 5 }, ['too-small']],
    ['a head turned away', { landmarks: face({ turn: 0.5 }), sharpness: sharp }, ['turned-away']],
    ['closed eyes', { landmarks: face({ openness: 0.08 }), sharpness: sharp }, ['eyes-closed']],
    ['turned away and blurred', { landmarks: face({ turn: -0.6 }), sharpness: 10 }, ['blurred', 'turned-away']],
  ])('%s', (_, frame, problems) => {
    expect(qualityProblems(frame)).toEqual(problems);
  });

  it('decides on the good frames and asks to look again when fewer than two are good', () => {
    const good = { landmarks: face(), sharpness: sharp };
    const blurred = { landmarks: face(), sharpness: 5 };
    const turned = { landmarks: face({ turn: 0.7 }), sharpness: sharp };
    const two = gateFrames([good, blurred, good], 2);
    expect(two).toMatchObject({ lookAgain: null, turnedBack: [{ frame: 1, problems: ['blurred'] }] });
    expect(two.usable).toEqual([good, good]);
    expect(gateFrames([turned, blurred, good], 2)).toMatchObject({ lookAgain: 'turned-away', usable: [good] });
    // One frame captured, and good: enough (the service decides whether one frame is enough).
    expect(gateFrames([good], 2).lookAgain).toBeNull();
    expect(gateFrames([blurred], 2).lookAgain).toBe('blurred');
  });
});
