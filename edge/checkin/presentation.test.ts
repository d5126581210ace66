import { describe, expect, it } from 'vitest';
import type { Point } from './face/face-engine.ts';
import { challengeMet } from './liveness.ts';
import {
  checkCapture,
  checkFaces,
  DEFAULT_PRESENTATION,
  type LiveFace,
  type PresentationPolicy,
  type SentFrame,
} from './presentation.ts';

const NOW = 1_800_000_000_000;
const policy = DEFAULT_PRESENTATION;

/** Frames captured `gaps` ms apart, ending `age` ms before now, with distinct digests unless given. */
const sent = (gaps: number[], age = 200, digests?: string[]): SentFrame[] => {
  const total = gaps.reduce((a, b) => a + b, 0);
  let at = NOW - age - total;
  return [0, ...gaps].map((gap, i) => {
    at += gap;
    return { capturedAt: at, digest: digests?.[i] ?? `d${i}` };
  });
};

describe('checkCapture: what the terminal sent, before any face work', () => {
  const cases: [string, SentFrame[], Partial<PresentationPolicy>, object | null][] = [
    ['three frames over 1.2 s', sent([600, 600]), {}, null],
    ['one frame', sent([]), {}, { reason: 'too-few-frames', field: 'frames' }],
    ['frames 300 ms apart', sent([300]), {}, { reason: 'frame-times', field: 'frames' }],
    ['times going backwards', sent([700, -100]), {}, { reason: 'frame-times', field: 'frames[2].capturedAt' }],
    ['the same time twice', sent([1200, 0]), {}, { reason: 'frame-times', field: 'frames[2].capturedAt' }],
    ['the same bytes twice', sent([600, 600], 200, ['a', 'b', 'a']), {}, { reason: 'replay', field: 'frames[2]' }],
    ['captured three minutes ago', sent([1200], 180_000), {}, { reason: 'frame-times' }],
    ['captured in the future', sent([1200], -180_000), {}, { reason: 'frame-times', field: 'frames[1].capturedAt' }],
    ['spread over three minutes', sent([90_000, 90_000]), {}, { reason: 'frame-times', field: 'frames' }],
    ['a shorter spread where the venue allows it', sent([300]), { minSpreadMs: 250 }, null],
    [
      'no hardware verdict where one is required',
      sent([1200]),
      { requireHardwareLiveness: true },
      { reason: 'liveness-required' },
    ],
  ];
  it.each(cases)('%s', (_name, frames, override, problem) => {
    const result = checkCapture(frames, null, { ...policy, ...override }, NOW);
    if (problem) expect(result.problem).toMatchObject(problem);
    else expect(result.problem).toBeNull();
    expect(result.checks).toMatchObject({ frames: frames.length, hardware: null });
  });

  it('takes a live hardware verdict where one is required and refuses a spoof verdict anywhere', () => {
    const live = { method: 'nir', verdict: 'live', score: 0.9 } as const;
    const required = { ...policy, requireHardwareLiveness: true };
    expect(checkCapture(sent([1200]), live, required, NOW)).toMatchObject({
      problem: null,
      checks: { hardware: live },
    });
    const spoof = { method: 'depth', verdict: 'spoof' } as const;
    expect(checkCapture(sent([1200]), spoof, policy, NOW).problem).toMatchObject({ reason: 'presentation-attack' });
  });
});

/** A descriptor: unit vector along axis `axis`, nudged by `nudge` along the next axis. */
const descriptor = (axis: number, nudge = 0) => {
  const d = new Array<number>(128).fill(0);
  d[axis] = 1;
  d[(axis + 1) % 128] = nudge;
  return d;
};

/**
 * 68 landmarks with the measures the checks read: eye aspect ratio `ear` (open ≈ 0.3, closed < 0.2) and the
 * nose's offset from the eyes' midpoint, `yaw`, in inter-ocular distances (60 px here).
 */
function landmarks(ear = 0.3, yaw = 0): Point[] {
  const points: Point[] = Array.from({ length: 68 }, () => [0, 0]);
  const eye = (first: number, cx: number) => {
    const h = ear * 15; // EAR = 4h / (2 · 30)
    const eyePoints: Point[] = [
      [cx - 15, 100],
      [cx - 5, 100 - h],
      [cx + 5, 100 - h],
      [cx + 15, 100],
      [cx + 5, 100 + h],
      [cx - 5, 100 + h],
    ];
    eyePoints.forEach((p, i) => {
      points[first + i] = p;
    });
  };
  eye(36, 100);
  eye(42, 160);
  points[30] = [130 + yaw * 60, 140];
  return points;
}

const face = (index: number, capturedAt: number, d: number[], lm = landmarks()): LiveFace => ({
  index,
  capturedAt,
  descriptor: d,
  landmarks: lm,
});

describe('checkFaces: after analysis', () => {
  const capture = checkCapture(sent([600, 600]), null, policy, NOW).checks;
  const t = (i: number) => NOW - 1400 + i * 600;

  it('passes distinct faces over the spread, recording the replay distances', () => {
    const faces = [face(0, t(0), descriptor(0)), face(1, t(1), descriptor(0, 0.3)), face(2, t(2), descriptor(0, 0.6))];
    const result = checkFaces(faces, { chip: descriptor(0, 2) }, policy, capture);
    expect(result.problem).toBeNull();
    expect(result.checks).toMatchObject({ frames: 3, framesWithFace: 3, spreadMs: 1200, challenge: null });
    expect(result.checks.replay).toEqual({ chip: 1.4, betweenFrames: 0.3 });
  });

  const cases: [string, LiveFace[], { chip?: number[]; enrolled?: number[][] }, object][] = [
    ['a face in one frame of three', [face(1, t(1), descriptor(0))], {}, { reason: 'too-few-frames' }],
    [
      'faces only 600 ms apart (the third frame had none)',
      [face(0, t(0), descriptor(0)), face(1, t(1), descriptor(0, 0.3))],
      {},
      { reason: 'too-few-frames' },
    ],
    [
      'the chip photo held to the camera',
      [face(0, t(0), descriptor(0)), face(2, t(2), descriptor(3, 0.1))],
      { chip: descriptor(3) },
      { reason: 'replay', field: 'frames[2]', detail: 'near-identical to the chip photo' },
    ],
    [
      'an enrolment photo held to the camera',
      [face(0, t(0), descriptor(4, 0.1)), face(2, t(2), descriptor(0))],
      { enrolled: [descriptor(9), descriptor(4)] },
      { reason: 'replay', field: 'frames[0]', detail: 'near-identical to the enrolment photo' },
    ],
    [
      'one picture re-sent with other bytes',
      [face(0, t(0), descriptor(0)), face(2, t(2), descriptor(0, 0.01))],
      {},
      { reason: 'replay', field: 'frames[2]', detail: 'near-identical to an earlier frame' },
    ],
  ];
  it.each(cases)('refuses %s', (_name, faces, refs, problem) => {
    expect(checkFaces(faces, refs, policy, capture).problem).toMatchObject(problem);
  });

  it('asks for the venue challenge and checks it from the landmarks', () => {
    const blinkPolicy = { ...policy, challenge: 'blink' as const };
    const still = [0, 1, 2].map((i) => face(i, t(i), descriptor(0, i * 0.3)));
    const blinked = still.map((f, i) => ({ ...f, landmarks: landmarks(i === 1 ? 0.12 : 0.31) }));
    expect(checkFaces(still, {}, blinkPolicy, capture).problem).toMatchObject({ reason: 'challenge-failed' });
    const passed = checkFaces(blinked, {}, blinkPolicy, capture);
    expect(passed.problem).toBeNull();
    expect(passed.checks.challenge).toEqual({
      challenge: 'blink',
      passed: true,
      measure: { lowest: 0.12, highest: 0.31 },
    });
  });
});

describe('challengeMet: blink and head turn from the 68 landmarks', () => {
  const cases: [string, 'blink' | 'turn-head', Point[][], boolean][] = [
    ['eyes open throughout', 'blink', [landmarks(0.3), landmarks(0.29), landmarks(0.31)], false],
    ['eyes closed in one frame', 'blink', [landmarks(0.3), landmarks(0.15), landmarks(0.3)], true],
    ['eyes half shut throughout (a photo of a sleepy face)', 'blink', [landmarks(0.2), landmarks(0.19)], false],
    ['one frame only', 'blink', [landmarks(0.15)], false],
    [
      'facing the camera throughout',
      'turn-head',
      [landmarks(0.3, 0), landmarks(0.3, 0.05), landmarks(0.3, 0.02)],
      false,
    ],
    ['turned to one side', 'turn-head', [landmarks(0.3, 0), landmarks(0.3, 0.12), landmarks(0.3, 0.3)], true],
    ['turned to the other side', 'turn-head', [landmarks(0.3, -0.25), landmarks(0.3, 0)], true],
  ];
  it.each(cases)('%s: %s → %s', (_name, challenge, frames, passed) => {
    expect(challengeMet(challenge, frames).passed).toBe(passed);
  });
});
