/** A time range, ms since the epoch, [from, to). */
export interface TimeRange {
  from: number;
  to: number;
}

/**
 * A break between consecutive segments longer than this is a gap. The segments of one ffmpeg run touch exactly;
 * a restart takes longer than this (backoff ≥ 1 s, then RTSP set-up and the first keyframe).
 */
export const GAP_TOLERANCE_MS = 1500;

/**
 * The holes in a camera's footage over the time it was expected to record: every part of `expected` that no
 * segment covers, breaks up to `toleranceMs` aside. `segments` are the camera's, oldest first, with the start and
 * end the index holds (the run's clock and the file's own measured duration, or the file's mtime for a leftover).
 * The stretch after the last segment counts only up to `liveEdge`: a recorder indexes a segment once it is
 * finished, so footage near now may still be on its way.
 */
export function gapsIn(
  segments: readonly { start: number; end: number }[],
  expected: TimeRange,
  liveEdge = expected.to,
  toleranceMs = GAP_TOLERANCE_MS,
): TimeRange[] {
  const gaps: TimeRange[] = [];
  let covered = expected.from;
  for (const s of segments) {
    if (s.start >= expected.to) break;
    if (s.start - covered > toleranceMs) gaps.push({ from: covered, to: s.start });
    covered = Math.max(covered, s.end);
  }
  const tail = Math.min(expected.to, liveEdge);
  if (tail - covered > toleranceMs) gaps.push({ from: covered, to: tail });
  return gaps;
}
