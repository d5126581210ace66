import type { DescribedFace, Point } from './face-engine.ts';

/**
 * Whether a camera frame's face is good enough to decide on. A frame that is not is no evidence either way:
 * the expert is asked to look again (with the reason's prompt) instead of being refused as a mismatch.
 */
export type QualityProblem = 'blurred' | 'too-small' | 'turned-away' | 'eyes-closed';

export interface QualityLimits {
  /** Laplacian variance of the upright 112×112 chip (FaceObservation.sharpness) at least this. */
  minSharpness: number;
  /** Distance between the eye centres, in the frame's pixels, at least this. */
  minEyeDistance: number;
  /** |nose offset from the eyes' midpoint| / eye distance at most this (about 0.5 at 45° yaw). */
  maxYaw: number;
  /** Eye aspect ratio (mean of both eyes) at least this; closed eyes are about 0.1. */
  minEyeOpenness: number;
}

/**
 * Loose enough that no camera frame of the bench's tuning identities is turned back (their least sharp was
 * 74, smallest eye distance 61 px, largest yaw 0.34, least open eyes 0.22): the gate is for frames that are
 * clearly bad, where a refusal would blame the expert for the camera.
 */
export const DEFAULT_QUALITY: QualityLimits = {
  minSharpness: 40,
  minEyeDistance: 24,
  maxYaw: 0.4,
  minEyeOpenness: 0.15,
};

/** The kiosk's prompt for each problem (zh-CN). */
export const QUALITY_PROMPT: Record<QualityProblem, string> = {
  blurred: '画面模糊，请保持不动再看一次摄像头',
  'too-small': '请靠近摄像头',
  'turned-away': '请正对摄像头',
  'eyes-closed': '请睁开眼睛看摄像头',
};

/**
 * Where the face points and how open its eyes are, from the 68 landmarks alone. The quality gate judges one
 * frame by it; liveness (blink, head movement) and the kiosk's challenge compare it across frames.
 */
export interface FaceGeometry {
  /** Distance between the eye centres, in the image's pixels. */
  eyeDistance: number;
  /** The nose tip's offset from the eyes' midpoint along the eye line, in eye distances: 0 facing the camera. */
  yaw: number;
  /** The same offset across the eye line (downwards positive), in eye distances. */
  pitch: number;
  /** Eye aspect ratio, mean of both eyes: about 0.3 open, under 0.2 closed. */
  eyeOpenness: number;
}

export interface FaceMeasures extends FaceGeometry {
  sharpness: number;
}

const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

const centre = (points: Point[]): Point => [
  points.reduce((s, p) => s + p[0], 0) / points.length,
  points.reduce((s, p) => s + p[1], 0) / points.length,
];

/** Eye aspect ratio of one eye's six points (Soukupová & Čech). */
const eyeAspect = (p: Point[]) => (dist(p[1]!, p[5]!) + dist(p[2]!, p[4]!)) / (2 * dist(p[0]!, p[3]!));

export function faceGeometry(landmarks: Point[]): FaceGeometry {
  const left = landmarks.slice(36, 42);
  const right = landmarks.slice(42, 48);
  const [l, r] = [centre(left), centre(right)];
  const eyeDistance = dist(l, r);
  // The nose tip's offset from the eyes' midpoint, in the eye line's frame (so a tilted head is no turn).
  const nose = landmarks[30]!;
  const [dx, dy] = [nose[0] - (l[0] + r[0]) / 2, nose[1] - (l[1] + r[1]) / 2];
  const [ux, uy] = [(r[0] - l[0]) / eyeDistance, (r[1] - l[1]) / eyeDistance];
  return {
    eyeDistance,
    yaw: (dx * ux + dy * uy) / eyeDistance,
    pitch: (dy * ux - dx * uy) / eyeDistance,
    eyeOpenness: (eyeAspect(left) + eyeAspect(right)) / 2,
  };
}

export function measureFace(face: Pick<DescribedFace, 'landmarks' | 'sharpness'>): FaceMeasures {
  return { ...faceGeometry(face.landmarks), sharpness: face.sharpness };
}

/** The problems of one frame's face, none when it is good enough to decide on. */
export function qualityProblems(
  face: Pick<DescribedFace, 'landmarks' | 'sharpness'>,
  limits = DEFAULT_QUALITY,
): QualityProblem[] {
  const m = measureFace(face);
  const problems: QualityProblem[] = [];
  if (m.eyeDistance < limits.minEyeDistance) problems.push('too-small');
  else if (m.sharpness < limits.minSharpness) problems.push('blurred');
  if (Math.abs(m.yaw) > limits.maxYaw) problems.push('turned-away');
  if (m.eyeOpenness < limits.minEyeOpenness) problems.push('eyes-closed');
  return problems;
}

export interface GateVerdict<T> {
  /** The frames good enough to decide on. */
  usable: T[];
  /** Each turned-back frame's index and problems. */
  turnedBack: { frame: number; problems: QualityProblem[] }[];
  /** Set when too few frames are usable to decide: the first problem, to prompt the expert with. */
  lookAgain: QualityProblem | null;
}

/**
 * Keeps the frames good enough to decide on. When fewer than `required` remain (or than all, if fewer were
 * captured), the attempt is not decided: the expert is asked to look again.
 */
export function gateFrames<T extends Pick<DescribedFace, 'landmarks' | 'sharpness'>>(
  frames: T[],
  required: number,
  limits = DEFAULT_QUALITY,
): GateVerdict<T> {
  const usable: T[] = [];
  const turnedBack: GateVerdict<T>['turnedBack'] = [];
  frames.forEach((face, frame) => {
    const problems = qualityProblems(face, limits);
    if (problems.length === 0) usable.push(face);
    else turnedBack.push({ frame, problems });
  });
  const enough = usable.length >= Math.min(required, frames.length);
  return { usable, turnedBack, lookAgain: enough ? null : (turnedBack[0]?.problems[0] ?? null) };
}
