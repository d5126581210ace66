import type { HardwareLiveness } from '../../devices/face-terminal/contract.ts';
import type { Point } from './face/face-engine.ts';
import { type Challenge, type ChallengeOutcome, challengeMet } from './liveness.ts';
import { type Descriptor, euclidean } from './match-policy.ts';

/**
 * Presentation and replay defence: is what the terminal sent a person in front of the camera over a second or
 * more, not a photo of the card, an enrolment photo or one picture sent several times? Pure rules over what
 * the terminal sent and what the engine found; `now` is passed in.
 */

export type { HardwareLiveness };

export interface PresentationPolicy {
  /** Frames with a face an attempt needs; frames without one count against it. */
  minFaceFrames: number;
  /** The frames with a face must span at least this long (terminal capture times). */
  minSpreadMs: number;
  /** How far the terminal's clock may be from the edge's: frames newer or older than this are refused. */
  maxClockSkewMs: number;
  /**
   * A frame this close (descriptor distance) to the chip photo or an enrolment photo is that photo shown to the
   * camera. Measured on the aligned, landmark-cut descriptors (face-align.mjs): 0.14 catches all 227 same-image
   * replays of the tuning photos and flags 1 of 8,724 genuine frame/chip pairs (0.22, set on face-api's own crop,
   * would flag 4.4 %) — docs/checkin.md.
   */
  referenceReplayDistance: number;
  /**
   * Two frames this close are the same picture (identical pixels land at 0; a JPEG re-encode at about 0.05,
   * which a person holding still also reaches, so re-encodes are left to the time spread and the challenge).
   */
  frameReplayDistance: number;
  challenge: Challenge | 'off';
  requireHardwareLiveness: boolean;
}

export const DEFAULT_PRESENTATION: PresentationPolicy = {
  minFaceFrames: 2,
  minSpreadMs: 1000,
  maxClockSkewMs: 120_000,
  referenceReplayDistance: 0.14,
  frameReplayDistance: 0.02,
  challenge: 'off',
  requireHardwareLiveness: false,
};

/** Why a presentation fails. `too-few-frames` and `challenge-failed` ask the person to look again. */
export type PresentationReason =
  | 'too-few-frames'
  | 'frame-times'
  | 'replay'
  | 'challenge-failed'
  | 'liveness-required'
  | 'presentation-attack';

export interface PresentationProblem {
  reason: PresentationReason;
  field?: string;
  detail: string;
}

/** What was checked and what it found; recorded on the check-in event, accepted or refused. */
export interface PresentationChecks {
  frames: number;
  framesWithFace?: number;
  /** Capture-time span of the frames with a face (of all frames, before analysis). */
  spreadMs: number;
  /** Smallest descriptor distance of a live frame to the chip photo, an enrolment photo, another frame. */
  replay?: { chip?: number; enrolled?: number; betweenFrames?: number };
  challenge: ChallengeOutcome | null;
  hardware: HardwareLiveness | null;
}

export interface SentFrame {
  capturedAt: number;
  /** SHA-256 of the frame's bytes. */
  digest: string;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Before any face work: enough frames, capture times in order, spread and current, no frame sent twice. */
export function checkCapture(
  frames: SentFrame[],
  hardware: HardwareLiveness | null,
  policy: PresentationPolicy,
  now: number,
): { checks: PresentationChecks; problem: PresentationProblem | null } {
  const spreadMs = frames.length ? frames.at(-1)!.capturedAt - frames[0]!.capturedAt : 0;
  const checks: PresentationChecks = { frames: frames.length, spreadMs, challenge: null, hardware };
  const fail = (reason: PresentationReason, detail: string, field?: string) => ({
    checks,
    problem: { reason, detail, ...(field ? { field } : {}) },
  });
  if (policy.requireHardwareLiveness && !hardware)
    return fail('liveness-required', 'the venue requires a hardware liveness verdict; the terminal sent none');
  if (hardware?.verdict === 'spoof')
    return fail('presentation-attack', `the terminal's ${hardware.method} liveness check saw no live face`);
  if (frames.length < policy.minFaceFrames)
    return fail('too-few-frames', `${frames.length} frame(s), at least ${policy.minFaceFrames} needed`, 'frames');
  for (let i = 1; i < frames.length; i++) {
    if (frames[i]!.capturedAt <= frames[i - 1]!.capturedAt)
      return fail('frame-times', 'capture times must increase from frame to frame', `frames[${i}].capturedAt`);
    const twin = frames.findIndex((f) => f.digest === frames[i]!.digest);
    if (twin < i) return fail('replay', `the same bytes as frames[${twin}]`, `frames[${i}]`);
  }
  // The terminal's clock may be off by up to the skew; frames captured longer ago than that are an old capture.
  const age = now - frames.at(-1)!.capturedAt;
  if (Math.abs(age) > policy.maxClockSkewMs)
    return fail(
      'frame-times',
      `the last frame is ${Math.round(age / 1000)} s from the edge's clock (at most ±${policy.maxClockSkewMs / 1000} s)`,
      `frames[${frames.length - 1}].capturedAt`,
    );
  if (spreadMs > policy.maxClockSkewMs)
    return fail('frame-times', `frames span ${spreadMs} ms: one attempt is one moment at the terminal`, 'frames');
  if (spreadMs < policy.minSpreadMs)
    return fail('frame-times', `frames span ${spreadMs} ms, at least ${policy.minSpreadMs} ms needed`, 'frames');
  return { checks, problem: null };
}

export interface LiveFace {
  /** Index in the frames the terminal sent. */
  index: number;
  capturedAt: number;
  descriptor: Descriptor;
  landmarks: Point[];
}

/** Closest live frame to any of the references, with its distance. */
function closest(faces: LiveFace[], references: Descriptor[]): { distance: number; index: number } | null {
  let best: { distance: number; index: number } | null = null;
  for (const face of faces)
    for (const ref of references) {
      const distance = euclidean(face.descriptor, ref);
      if (!best || distance < best.distance) best = { distance, index: face.index };
    }
  return best;
}

/**
 * After analysis: enough frames with a face over the spread, none a replay of the chip photo, an enrolment
 * photo or another frame, and the venue's challenge met. `checks` comes from checkCapture and is completed.
 */
export function checkFaces(
  faces: LiveFace[],
  references: { chip?: Descriptor; enrolled?: Descriptor[] },
  policy: PresentationPolicy,
  checks: PresentationChecks,
): { checks: PresentationChecks; problem: PresentationProblem | null } {
  const spreadMs = faces.length ? faces.at(-1)!.capturedAt - faces[0]!.capturedAt : 0;
  const replay: NonNullable<PresentationChecks['replay']> = {};
  const done: PresentationChecks = { ...checks, framesWithFace: faces.length, spreadMs, replay };
  const fail = (reason: PresentationReason, detail: string, field?: string) => ({
    checks: done,
    problem: { reason, detail, ...(field ? { field } : {}) },
  });
  if (faces.length < policy.minFaceFrames)
    return fail(
      'too-few-frames',
      `a face in ${faces.length} of ${checks.frames} frames, ${policy.minFaceFrames} needed`,
    );
  if (spreadMs < policy.minSpreadMs)
    return fail('too-few-frames', `frames with a face span ${spreadMs} ms, at least ${policy.minSpreadMs} ms needed`);
  for (const [name, refs] of [
    ['chip', references.chip ? [references.chip] : []],
    ['enrolled', references.enrolled ?? []],
  ] as const) {
    const near = closest(faces, refs);
    if (!near) continue;
    replay[name] = round(near.distance);
    if (near.distance <= policy.referenceReplayDistance)
      return fail(
        'replay',
        `near-identical to the ${name === 'chip' ? 'chip photo' : 'enrolment photo'}`,
        `frames[${near.index}]`,
      );
  }
  for (let i = 1; i < faces.length; i++) {
    const near = closest(
      [faces[i]!],
      faces.slice(0, i).map((f) => f.descriptor),
    )!;
    replay.betweenFrames = round(Math.min(replay.betweenFrames ?? Number.POSITIVE_INFINITY, near.distance));
    if (near.distance <= policy.frameReplayDistance)
      return fail('replay', 'near-identical to an earlier frame', `frames[${faces[i]!.index}]`);
  }
  if (policy.challenge !== 'off') {
    done.challenge = challengeMet(
      policy.challenge,
      faces.map((f) => f.landmarks),
    );
    if (!done.challenge.passed) return fail('challenge-failed', `the ${policy.challenge} challenge was not met`);
  }
  return { checks: done, problem: null };
}
