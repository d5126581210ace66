// 人证核验 attempts composed from analysed photos, and their error rates: the chip photo is one photo of a
// person analysed as a reference, the kiosk's frames are other photos in 640×480 camera frames.
import { type Descriptor, euclidean } from '../../edge/checkin/match-policy.ts';

/** One photo reduced to what the decision needs. A null descriptor: no single face was found. */
export interface Sample {
  identity: string;
  reference: Descriptor | null;
  camera: Descriptor | null;
  /** Whether the quality gate lets this photo's camera frame through. */
  cameraUsable: boolean;
}

export interface Attempt {
  chip: Descriptor | null;
  /** The frames' descriptors; null where no face was found (or, gated, the frame was turned back). */
  frames: Array<Descriptor | null>;
  /** Gated: too few frames were good enough, and the expert would be asked to look again. */
  lookAgain: boolean;
}

/** Decides one attempt: accept or not. */
export type Decide = (chip: Descriptor, frames: Array<Descriptor | null>) => boolean;

function byIdentity(samples: Sample[]): Map<string, Sample[]> {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) groups.set(s.identity, [...(groups.get(s.identity) ?? []), s]);
  return groups;
}

/** Consecutive windows of `size` frames, every `step` photos. */
function windows(of: Sample[], size: number, step: number): Sample[][] {
  const out: Sample[][] = [];
  for (let k = 0; k + size <= of.length; k += step) out.push(of.slice(k, k + size));
  return out;
}

/** Every `size`-subset: for identities with few photos. */
function subsets(of: Sample[], size: number): Sample[][] {
  if (size === 0) return [[]];
  return of.flatMap((s, i) => subsets(of.slice(i + 1), size - 1).map((rest) => [s, ...rest]));
}

/** Frame sets of one person: every subset where there are few photos, else windows over them. */
function frameSets(of: Sample[], size: number, step: number): Sample[][] {
  return of.length <= 6 ? subsets(of, size) : windows(of, size, step);
}

/** Frames with a face needed to decide, as the service requires. */
const REQUIRED_FRAMES = 2;

function attemptOf(chip: Sample, frames: Sample[], gate: boolean): Attempt {
  const kept = frames.map((f) => (gate && !f.cameraUsable ? null : f.camera));
  const turnedBack = frames.some((f) => f.camera && gate && !f.cameraUsable);
  return {
    chip: chip.reference,
    frames: kept,
    lookAgain: turnedBack && kept.filter(Boolean).length < REQUIRED_FRAMES,
  };
}

/**
 * Genuine attempts: each photo as the chip photo, with disjoint sets of `frames` of the person's other photos.
 * Impostor attempts: each photo as the chip photo, with every window of `frames` photos of each other person.
 * `gate`: frames the quality gate turns back are dropped, as the service drops them.
 */
export function composeAttempts(samples: Sample[], frames: number, gate = false) {
  const groups = byIdentity(samples);
  const genuine: Attempt[] = [];
  const impostor: Attempt[] = [];
  for (const [id, mine] of groups) {
    for (const chip of mine) {
      for (const set of frameSets(
        mine.filter((s) => s !== chip),
        frames,
        frames,
      ))
        genuine.push(attemptOf(chip, set, gate));
      for (const [other, theirs] of groups) {
        if (other === id) continue;
        for (const set of frameSets(theirs, frames, 1)) impostor.push(attemptOf(chip, set, gate));
      }
    }
  }
  return { genuine, impostor };
}

export interface AttemptRates {
  genuine: number;
  /** Genuine attempts refused, whatever the reason (no face on the chip photo or in the frames included). */
  falseRejects: number;
  /** Of those, refused because no face was found in the chip photo. */
  chipNoFace: number;
  impostor: number;
  falseAccepts: number;
  /** Genuine attempts where the gate asked for another look (decided as captured, and counted apart). */
  lookAgain: number;
}

/**
 * Attempt-level error rates. An attempt where the gate asks the expert to look again is not decided: it is
 * counted as `lookAgain` and left out of both rates (with the gate off there are none).
 */
export function attemptRates(attempts: ReturnType<typeof composeAttempts>, decide: Decide): AttemptRates {
  const r: AttemptRates = {
    genuine: 0,
    falseRejects: 0,
    chipNoFace: 0,
    impostor: 0,
    falseAccepts: 0,
    lookAgain: 0,
  };
  for (const a of attempts.genuine) {
    if (a.lookAgain) {
      r.lookAgain++;
      continue;
    }
    r.genuine++;
    if (!a.chip) {
      r.falseRejects++;
      r.chipNoFace++;
    } else if (!decide(a.chip, a.frames)) r.falseRejects++;
  }
  for (const a of attempts.impostor) {
    if (!a.chip || a.lookAgain) continue;
    r.impostor++;
    if (decide(a.chip, a.frames)) r.falseAccepts++;
  }
  return r;
}

/** Pairwise: every camera face against the reference face of every other photo. */
export function pairwiseRates(samples: Sample[], threshold: number, distance = euclidean) {
  let genuine = 0;
  let falseRejects = 0;
  let impostor = 0;
  let falseAccepts = 0;
  for (const live of samples) {
    for (const ref of samples) {
      if (live === ref || !live.camera || !ref.reference) continue;
      const match = distance(live.camera, ref.reference) <= threshold;
      if (live.identity === ref.identity) {
        genuine++;
        if (!match) falseRejects++;
      } else {
        impostor++;
        if (match) falseAccepts++;
      }
    }
  }
  return { genuine, falseRejects, impostor, falseAccepts };
}

/** Maps an attempt to the distance its decision compares with the threshold (Infinity: cannot be decided). */
export type AttemptScore = (chip: Descriptor, frames: Array<Descriptor | null>) => number;

/**
 * The largest threshold (to 0.001) under which no tuning impostor attempt is accepted and at most 0.05 % of
 * tuning impostor pairs match: half the 0.1 % pairwise target, as margin for unseen people.
 */
export function tuneThreshold(samples: Sample[], attempts: ReturnType<typeof composeAttempts>, score: AttemptScore) {
  const impostors = attempts.impostor.filter((a) => a.chip && !a.lookAgain).map((a) => score(a.chip!, a.frames));
  const pairs: number[] = [];
  for (const live of samples)
    for (const ref of samples)
      if (live.identity !== ref.identity && live.camera && ref.reference)
        pairs.push(euclidean(live.camera, ref.reference));
  pairs.sort((a, b) => a - b);
  const closest = Math.min(...impostors, pairs[Math.floor(pairs.length * 0.0005)] ?? Number.POSITIVE_INFINITY);
  return Math.floor(closest * 1000 - 0.5) / 1000;
}
