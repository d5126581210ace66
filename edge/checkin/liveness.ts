import type { Point } from './face/face-engine.ts';
import { faceGeometry } from './face/face-quality.ts';

/**
 * A liveness hint from the 68 landmarks across an attempt's frames: a blink (the eyes' openness changes) or
 * a head movement (the nose moves against the eyes). It is reported next to the decision, never decides it:
 * a printed photo moved by hand can move, and a person can hold still. Where the venue asks for an active
 * challenge (`challengeMet`), the same measures decide whether the person did what the kiosk asked.
 */
export interface LivenessSignal {
  verdict: 'blink' | 'head-movement' | 'blink+head-movement' | 'static' | 'too-few-frames';
  /** Range of the eye aspect ratio over the frames. */
  eyeOpennessRange: number;
  /** Range of the nose's offset from the eyes' midpoint, in inter-ocular distances. */
  headMovement: number;
  frames: number;
}

const BLINK_RANGE = 0.08;
const MOVEMENT_RANGE = 0.08;

const range = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
const round = (n: number) => Math.round(n * 1000) / 1000;

export function livenessFrom(frames: Point[][]): LivenessSignal {
  if (frames.length < 2) {
    return { verdict: 'too-few-frames', eyeOpennessRange: 0, headMovement: 0, frames: frames.length };
  }
  const m = frames.map(faceGeometry);
  const eyeOpennessRange = range(m.map((x) => x.eyeOpenness));
  const headMovement = Math.max(range(m.map((x) => x.yaw)), range(m.map((x) => x.pitch)));
  const blink = eyeOpennessRange >= BLINK_RANGE;
  const moved = headMovement >= MOVEMENT_RANGE;
  const verdict = blink && moved ? 'blink+head-movement' : blink ? 'blink' : moved ? 'head-movement' : 'static';
  return {
    verdict,
    eyeOpennessRange: round(eyeOpennessRange),
    headMovement: round(headMovement),
    frames: frames.length,
  };
}

export type Challenge = 'blink' | 'turn-head';

/** The kiosk's prompt for each challenge (zh-CN first). */
export const CHALLENGE_PROMPT: Record<Challenge, string> = {
  blink: '请眨眨眼 · Please blink',
  'turn-head': '请缓慢向左或向右转头 · Please turn your head slowly',
};

/**
 * Eye aspect ratio of an open eye is about 0.3 and of a closed one under 0.2 (Soukupová & Čech): a blink is a
 * frame with the eyes closed and one with them open.
 */
const EYES_CLOSED = 0.21;
const EYES_OPEN = 0.25;
/** Nose offset from the eyes' midpoint, in inter-ocular distances: about 0 facing the camera, 0.3 at ~25° yaw. */
const HEAD_TURN = 0.2;

export interface ChallengeOutcome {
  challenge: Challenge;
  passed: boolean;
  /** blink: lowest and highest eye aspect ratio; turn-head: the range of the yaw measure. */
  measure: Record<string, number>;
}

/** Did the person do what the kiosk asked, judged from the 68 landmarks of the frames with a face? */
export function challengeMet(challenge: Challenge, frames: Point[][]): ChallengeOutcome {
  const m = frames.map(faceGeometry);
  if (challenge === 'blink') {
    const openness = m.map((x) => x.eyeOpenness);
    const [lowest, highest] = [Math.min(...openness), Math.max(...openness)];
    return {
      challenge,
      passed: frames.length >= 2 && lowest <= EYES_CLOSED && highest >= EYES_OPEN,
      measure: { lowest: round(lowest), highest: round(highest) },
    };
  }
  const yaw = frames.length ? range(m.map((x) => x.yaw)) : 0;
  return { challenge, passed: frames.length >= 2 && yaw >= HEAD_TURN, measure: { yawRange: round(yaw) } };
}
