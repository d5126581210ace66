import type { TimeRange } from '../../../edge/video/coverage.ts';
import { GAP_TOLERANCE_MS } from '../../../edge/video/coverage.ts';
import type { FootageSegment } from '../../../edge/video/footage-replay.ts';

/**
 * The replay page's time arithmetic, apart from the page so it is tested as plain code: where each camera is at
 * the one playhead, which call is speaking then, where each expert was, how the visible stretch zooms.
 */

/** An event of the session's record as `/api/events` returns it. */
export interface RecordEvent {
  seq: number;
  at: number;
  type: string;
  actor: string | null;
  subject: string | null;
  data: Record<string, unknown>;
}

/** Zoom steps halve or double the visible stretch; the narrowest shows 20 seconds. */
export const MIN_VIEW_MS = 20_000;

/** The stretch `factor` times as wide around `centre`, kept within the whole window. */
export function zoomed(view: TimeRange, whole: TimeRange, factor: number, centre: number): TimeRange {
  const width = Math.min(whole.to - whole.from, Math.max(MIN_VIEW_MS, (view.to - view.from) * factor));
  const from = Math.min(Math.max(whole.from, centre - width / 2), whole.to - width);
  return { from, to: from + width };
}

/** Consecutive segments (a break within the gap tolerance is no gap, as the server counts) drawn as one run. */
export function runs(segments: FootageSegment[]): TimeRange[] {
  const out: TimeRange[] = [];
  for (const s of segments) {
    const last = out.at(-1);
    if (last && s.start - last.to <= GAP_TOLERANCE_MS) last.to = Math.max(last.to, s.end);
    else out.push({ from: s.start, to: s.end });
  }
  return out;
}

/** The segment holding a moment, or null where nothing was recorded (a gap is shown as one, not skipped). */
export const segmentAt = (segments: FootageSegment[], at: number): FootageSegment | null =>
  segments.find((s) => s.end > at && s.start <= at) ?? null;

/** What one camera shows at the playhead: a segment and the offset into it (seconds), or nothing recorded. */
export function cameraAt(
  segments: FootageSegment[],
  playhead: number,
): { segment: FootageSegment; offsetS: number } | null {
  const segment = segmentAt(segments, playhead);
  return segment ? { segment, offsetS: (playhead - segment.start) / 1000 } : null;
}

/** A call's recording on the session's time axis. */
export interface CallSpan {
  call: string;
  from: number;
  to: number;
}

/**
 * When each recorded call was speaking: the recorder starts when the call is answered (`intercom.call-answered`)
 * and writes `data.seconds` of audio; `intercom.recording` is appended when the call ends, so without an answer
 * event the recording is placed to end there.
 */
export function callSpans(events: RecordEvent[]): CallSpan[] {
  const answered = new Map<string, number>();
  for (const e of events) if (e.type === 'intercom.call-answered' && e.subject) answered.set(e.subject, e.at);
  return events
    .filter((e) => e.type === 'intercom.recording' && e.subject)
    .map((e) => {
      const ms = Math.max(0, Number(e.data.seconds) || 0) * 1000;
      const from = answered.get(e.subject!) ?? e.at - ms;
      return { call: e.subject!, from, to: ms > 0 ? from + ms : e.at };
    });
}

/** The call speaking at the playhead, and how far into its recording (seconds); null when none is. */
export function callAt(spans: CallSpan[], playhead: number): { call: string; offsetS: number } | null {
  const span = spans.find((s) => s.from <= playhead && playhead < s.to);
  return span ? { call: span.call, offsetS: (playhead - span.from) / 1000 } : null;
}

/** A stored trajectory point (`/api/tracking/trajectories`). */
export interface TrackPoint {
  badge: string;
  at: number;
  floor: string;
  x: number;
  y: number;
}

/** A fix older than this at the playhead is not shown as where the person is (the badge was not heard). */
export const STALE_FIX_MS = 30_000;

/** Where a person was at the playhead: their last fix at or before it (points in time order), if recent enough. */
export function positionAt(points: TrackPoint[], playhead: number): TrackPoint | null {
  let lo = 0;
  let hi = points.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.at <= playhead) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const point = found >= 0 ? points[found]! : null;
  return point && playhead - point.at <= STALE_FIX_MS ? point : null;
}

/** How far a player may drift from the playhead before it is put back (seconds): seeking costs a stall. */
export const MAX_DRIFT_S = 0.5;

/** A person's path over the `ms` before the playhead (for the tail drawn behind them on the map). */
export function trailBefore(points: TrackPoint[], playhead: number, ms: number): TrackPoint[] {
  return points.filter((p) => p.at <= playhead && p.at > playhead - ms);
}

/**
 * The record the markers are drawn from, by kind: check-ins, door passages, alarms, calls, session changes and
 * witness decisions (under these prefixes). Asked for by kind, so that a long session's thousands of zone events
 * do not crowd the markers out of one page of the record.
 */
export const MARKER_PREFIXES = ['checkin.', 'access.', 'alarm.', 'intercom.', 'session.'] as const;

/** What the replay page reads when a session is opened: its footage index and its markers' events. */
export function replayOpenPaths(sessionId: string): { footage: string; markers: string } {
  const footage = `/api/video/replay/${encodeURIComponent(sessionId)}`;
  return { footage, markers: `${footage}/events?${MARKER_PREFIXES.map((p) => `kind=${p}`).join('&')}` };
}
