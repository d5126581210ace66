/**
 * When a live face counts as a match. Distances are Euclidean between 128-d descriptors. Measured on the
 * shared LFW photos (shared/faces/README.md): 0.6 falsely accepts 1.3 % of pairs and, 1:N, matches 8.5 % of
 * non-enrolled people to someone; 0.55 accepts 0.10 % and matches 0.9 %. `npm run bench -- checkin` re-measures.
 */
export interface MatchPolicy {
  /** A frame matches when its distance is at most this. */
  threshold: number;
  /** 1:N: the best identity must beat the second best by at least this much, or the frame is ambiguous. */
  margin: number;
  /** Matching frames needed (or all frames, when fewer were captured); they must also be a majority. */
  agreeingFrames: number;
}

export const DEFAULT_POLICY: MatchPolicy = { threshold: 0.55, margin: 0.05, agreeingFrames: 2 };

export type Descriptor = readonly number[];

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
  agreeing: number;
  required: number;
}

/** 1:1 (人证核验): is each live frame the person on the reference (the ID-card chip photo)? */
export function verifyOneToOne(reference: Descriptor, frames: Descriptor[], policy = DEFAULT_POLICY): OneToOneDecision {
  const distances = frames.map((f) => round(euclidean(reference, f)));
  const agreeing = distances.filter((d) => d <= policy.threshold).length;
  const { required, enough } = enoughFrames(agreeing, frames.length, policy);
  return { match: enough, distances, agreeing, required };
}

export interface EnrolledIdentity {
  id: string;
  templates: Descriptor[];
}

export interface FrameVote {
  /** The identity this frame votes for, or null (nobody close enough, or two too close to tell apart). */
  vote: string | null;
  best: number;
  secondBest: number | null;
}

export type IdentifyDecision =
  | { identity: string; frames: FrameVote[]; agreeing: number; required: number }
  | {
      identity: null;
      reason: 'no-match' | 'ambiguous' | 'frames-disagree';
      frames: FrameVote[];
      agreeing: number;
      required: number;
    };

function voteOf(gallery: EnrolledIdentity[], frame: Descriptor, policy: MatchPolicy): FrameVote {
  const ranked = gallery
    .map((person) => ({ id: person.id, d: Math.min(...person.templates.map((t) => euclidean(t, frame))) }))
    .sort((a, b) => a.d - b.d);
  const [first, second] = ranked;
  if (!first) return { vote: null, best: Number.POSITIVE_INFINITY, secondBest: null };
  const clear = !second || second.d - first.d >= policy.margin;
  return {
    vote: first.d <= policy.threshold && clear ? first.id : null,
    best: round(first.d),
    secondBest: second ? round(second.d) : null,
  };
}

/** 1:N: which enrolled identity, if any, every live frame agrees on. */
export function identify(gallery: EnrolledIdentity[], frames: Descriptor[], policy = DEFAULT_POLICY): IdentifyDecision {
  const votes = frames.map((f) => voteOf(gallery, f, policy));
  const tally = new Map<string, number>();
  for (const v of votes) if (v.vote) tally.set(v.vote, (tally.get(v.vote) ?? 0) + 1);
  const [winner, agreeing] = [...tally.entries()].sort((a, b) => b[1] - a[1])[0] ?? [null, 0];
  const { required, enough } = enoughFrames(agreeing, frames.length, policy);
  if (tally.size > 1) return { identity: null, reason: 'frames-disagree', frames: votes, agreeing, required };
  if (winner && enough) return { identity: winner, frames: votes, agreeing, required };
  const nearMiss = votes.some((v) => v.vote === null && v.best <= policy.threshold);
  return { identity: null, reason: nearMiss ? 'ambiguous' : 'no-match', frames: votes, agreeing, required };
}
