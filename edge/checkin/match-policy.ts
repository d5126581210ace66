/**
 * When a live face counts as a match. Distances are Euclidean between unit-length 128-d descriptors of the
 * upright (roll-corrected) face. The threshold was chosen on the bench's tuning identities only — the
 * largest with no tuning impostor attempt accepted was 0.368, rounded down — and is reported on held-out
 * identities: `npm run bench -- checkin`, docs/checkin.md.
 */
export interface MatchPolicy {
  /** A frame matches when its distance is at most this. */
  threshold: number;
  /** 1:N: the best identity must beat the second best by at least this much, or the frame is ambiguous. */
  margin: number;
  /** Matching frames needed (or all frames, when fewer were captured); they must also be a majority. */
  agreeingFrames: number;
  /**
   * 1:1 over several frames: `votes` — each frame compared on its own, `agreeingFrames` must match; `mean` —
   * the frames' descriptors are averaged (each L2-normalised first) and the one mean compared, which averages
   * out what differs between frames (pose, blur, light) and keeps what they share (the face).
   */
  fusion: 'votes' | 'mean';
}

export const DEFAULT_POLICY: MatchPolicy = { threshold: 0.36, margin: 0.03, agreeingFrames: 2, fusion: 'mean' };

export type Descriptor = readonly number[];

/** The descriptor scaled to length 1. */
export function normalised(d: Descriptor): number[] {
  let sum = 0;
  for (const v of d) sum += v * v;
  const norm = Math.sqrt(sum) || 1;
  return d.map((v) => v / norm);
}

/** The mean of the frames' normalised descriptors, normalised: one descriptor for an attempt. */
export function fuse(frames: Descriptor[]): number[] {
  const units = frames.map(normalised);
  const first = units[0];
  if (!first) throw new Error('fuse: no frames');
  return normalised(first.map((_, i) => units.reduce((s, u) => s + u[i]!, 0) / units.length));
}

export function euclidean(a: Descriptor, b: Descriptor): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function enoughFrames(agreeing: number, frames: number, policy: MatchPolicy) {
  const required = Math.min(policy.agreeingFrames, frames);
  return { required, enough: frames > 0 && agreeing >= required && agreeing * 2 > frames };
}

export interface OneToOneDecision {
  match: boolean;
  /** Per frame, rounded: what the record keeps instead of any biometric data. */
  distances: number[];
  /** `mean` fusion: the distance of the frames' fused descriptor, which decided; null with `votes`. */
  fused: number | null;
  /** Frames within the threshold on their own. */
  agreeing: number;
  required: number;
}

/**
 * 1:1 (人证核验): are the live frames the person on the reference (the ID-card chip photo)? With `mean`
 * fusion the frames' mean descriptor must be within the threshold, from at least `agreeingFrames` frames (or
 * all, when fewer were captured); with `votes`, `agreeingFrames` frames, and a majority, on their own.
 */
export function verifyOneToOne(reference: Descriptor, frames: Descriptor[], policy = DEFAULT_POLICY): OneToOneDecision {
  const distances = frames.map((f) => round(euclidean(reference, f)));
  const agreeing = distances.filter((d) => d <= policy.threshold).length;
  if (policy.fusion === 'votes') {
    const { required, enough } = enoughFrames(agreeing, frames.length, policy);
    return { match: enough, distances, fused: null, agreeing, required };
  }
  const required = Math.min(policy.agreeingFrames, frames.length);
  if (frames.length === 0) return { match: false, distances, fused: null, agreeing, required };
  const fused = round(euclidean(normalised(reference), fuse(frames)));
  return { match: fused <= policy.threshold, distances, fused, agreeing, required };
}

export interface EnrolledIdentity {
  id: string;
  templates: Descriptor[];
}

export interface FrameVote {
  /** The identity this frame votes for, or null (nobody close enough, or two too close to tell apart). */
  vote: string | null;
  /** The nearest enrolled identity's distance; null when nobody is enrolled (the record holds no Infinity). */
  best: number | null;
  secondBest: number | null;
}

export type IdentifyDecision =
  | { identity: string; frames: FrameVote[]; fused: FrameVote | null; agreeing: number; required: number }
  | {
      identity: null;
      reason: 'no-match' | 'ambiguous' | 'frames-disagree';
      frames: FrameVote[];
      fused: FrameVote | null;
      agreeing: number;
      required: number;
    };

function voteOf(gallery: EnrolledIdentity[], frame: Descriptor, policy: MatchPolicy): FrameVote {
  const ranked = gallery
    .map((person) => ({ id: person.id, d: Math.min(...person.templates.map((t) => euclidean(t, frame))) }))
    .sort((a, b) => a.d - b.d);
  const [first, second] = ranked;
  if (!first) return { vote: null, best: null, secondBest: null };
  const clear = !second || second.d - first.d >= policy.margin;
  return {
    vote: first.d <= policy.threshold && clear ? first.id : null,
    best: round(first.d),
    secondBest: second ? round(second.d) : null,
  };
}

/**
 * 1:N: which enrolled identity, if any, the live frames agree on. Frames voting for two different people
 * refuse. With `mean` fusion the frames' mean descriptor casts the deciding vote (from at least
 * `agreeingFrames` frames, or all when fewer were captured); with `votes` each frame votes and enough must agree.
 */
export function identify(gallery: EnrolledIdentity[], frames: Descriptor[], policy = DEFAULT_POLICY): IdentifyDecision {
  const votes = frames.map((f) => voteOf(gallery, f, policy));
  const tally = new Map<string, number>();
  for (const v of votes) if (v.vote) tally.set(v.vote, (tally.get(v.vote) ?? 0) + 1);
  const [winner, agreeing] = [...tally.entries()].sort((a, b) => b[1] - a[1])[0] ?? [null, 0];
  const fused = policy.fusion === 'mean' && frames.length > 0 ? voteOf(gallery, fuse(frames), policy) : null;
  const { required, enough } = enoughFrames(agreeing, frames.length, policy);
  const base = { frames: votes, fused, agreeing, required };
  if (tally.size > 1) return { identity: null, reason: 'frames-disagree', ...base };
  if (fused) {
    if (fused.vote && frames.length >= required) return { identity: fused.vote, ...base };
    const near = fused.best !== null && fused.best <= policy.threshold;
    return { identity: null, reason: near ? 'ambiguous' : 'no-match', ...base };
  }
  if (winner && enough) return { identity: winner, ...base };
  const nearMiss = votes.some((v) => v.vote === null && v.best !== null && v.best <= policy.threshold);
  return { identity: null, reason: nearMiss ? 'ambiguous' : 'no-match', ...base };
}
