import type { Venue } from '../../config/schema.ts';
import type { AlarmEngine } from '../alerts/alarms.ts';
import { DomainError } from '../domain-error.ts';
import type { EvaluationSession } from '../sessions/model.ts';
import type { SessionService } from '../sessions/session-service.ts';
import type { EventLog } from '../store/event-log.ts';
import type { TimeRange } from './coverage.ts';
import type { Segment, SessionLock } from './segment-index.ts';
import type { VideoService } from './video-service.ts';

// The footage rules of the console's CCTV views: which cameras' footage is a session's and over what time, what
// an auditor may replay of it, and each camera's status for the grid. hall-server/routes/footage.ts serves them.

/** Footage just before check-in opened and just after the end belongs to the session's replay too. */
const MARGIN_MS = 5 * 60_000;
const HOUR = 3600_000;

export interface CameraOverview {
  id: string;
  name: string;
  zone: string;
  dataClass: string;
  /** Recorder state (`recording`, `stalled`, `starting`), or `not-recording` when only live view is set up. */
  state: string;
  /** Live view is available (the edge knows the camera's stream). */
  live: boolean;
  /** An open `camera-offline` alarm. */
  offline: boolean;
  lastSegmentEnd: number | null;
  /** The most recent gap in its footage in the last 24 h. */
  lastGap: { from: number; to: number } | null;
}

export interface FootageSegment {
  id: number;
  start: number;
  end: number;
  size: number;
  sha256: string;
}

/** A camera whose footage is bound to a session, and when: its ranges within the replay window. */
interface BoundCamera {
  id: string;
  ranges: TimeRange[];
}

/**
 * A session's footage for replay: every camera whose footage is locked to the session (its room's cameras, those
 * adopted into the room, those moved in or out while it ran), each over the time its lock binds to the session.
 */
export interface SessionReplay {
  session: {
    id: string;
    transactionCode: string;
    projectCode: string;
    room: string;
    state: string;
    start: number;
    end: number;
  };
  from: number;
  to: number;
  cameras: {
    id: string;
    name: string;
    /** When this camera's footage is the session's (a camera moved in mid-session: from the move on). */
    ranges: TimeRange[];
    segments: FootageSegment[];
    /** Every hole in its footage over `ranges` (VideoService.timeline: measured from the segments' times). */
    gaps: TimeRange[];
  }[];
}

/** The time a session's footage covers: its window, stretched to when it really opened and ended. */
function replayWindow(
  session: EvaluationSession,
  activity: { firstAt: number; lastAt: number } | null,
  now: number,
): { from: number; to: number } {
  const first = activity?.firstAt ?? session.start;
  const last = activity?.lastAt ?? session.end;
  const live = ['checkin-open', 'in-progress', 'suspended'].includes(session.state);
  return {
    from: Math.min(session.start, first) - MARGIN_MS,
    to: Math.max(session.end, last, live ? now : 0) + MARGIN_MS,
  };
}

/**
 * The cameras bound to a session and when, from its footage locks (SessionFootage draws them from the session's
 * start less the margin to its end plus the margin; a move ends one room's lock and starts the other's), clipped
 * to the replay window (a running session's lock reaches past now). A session without any lock (not started yet,
 * or run before sessions locked their footage) falls back to the venue file's cameras of its room over the window.
 */
function boundCameras(locks: SessionLock[], window: TimeRange, roomCameras: string[]): BoundCamera[] {
  if (locks.length === 0) return roomCameras.map((id) => ({ id, ranges: [window] }));
  const cameras = new Map<string, TimeRange[]>();
  for (const l of locks) {
    const from = Math.max(l.from, window.from);
    const to = Math.min(l.to, window.to);
    if (from >= to) continue;
    cameras.set(l.camera, [...(cameras.get(l.camera) ?? []), { from, to }]);
  }
  return [...cameras].map(([id, ranges]) => ({ id, ranges: mergeRanges(ranges) }));
}

/** Overlapping or touching ranges joined, in time order. */
function mergeRanges(ranges: TimeRange[]): TimeRange[] {
  const out: TimeRange[] = [];
  for (const r of [...ranges].sort((a, b) => a.from - b.from)) {
    const last = out.at(-1);
    if (last && r.from <= last.to) last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

/** Items of several range queries, each once (a segment across two ranges comes back from both). */
const unique = <T>(items: T[], key: (item: T) => number): T[] => [...new Map(items.map((i) => [key(i), i])).values()];

const publicSegment = (s: Segment): FootageSegment => ({
  id: s.id,
  start: s.start,
  end: s.end,
  size: s.size,
  sha256: s.sha256,
});

/** The console's camera grid and session replay, read from the recorders, the segment index and the locks. */
export class FootageReplay {
  constructor(
    private readonly deps: {
      venue: Venue;
      video: VideoService;
      sessions: SessionService;
      log: EventLog;
      alarms: AlarmEngine;
    },
  ) {}

  /** The venue's cameras by zone: recorder state, offline, last segment and last gap in the last 24 h. */
  overview(now: number): CameraOverview[] {
    const { venue, video, alarms } = this.deps;
    const recorders = new Map(video.cameras().map((c) => [c.camera, c.state]));
    return venue.cameras.map((c) => {
      const timeline = video.timeline(c.id, now - 24 * HOUR, now + HOUR);
      return {
        id: c.id,
        name: c.name,
        zone: c.zone,
        dataClass: c.dataClass,
        state: recorders.get(c.id) ?? 'not-recording',
        live: recorders.has(c.id),
        offline: alarms.openFor('camera-offline', c.id) !== null,
        lastSegmentEnd: timeline.segments.at(-1)?.end ?? null,
        lastGap: timeline.gaps.at(-1) ?? null,
      };
    });
  }

  /**
   * The session a viewer asks to replay, or why not: auditors and administrators replay any session, a witness only
   * a session they are staff of (a witness's console account is named by their staff id).
   */
  replayable(sessionId: string, viewer: Viewer): EvaluationSession {
    const session = this.deps.sessions.get(sessionId);
    if (!session) throw new DomainError('not-found', `session: no session ${sessionId}`);
    if (!mayReplay(session, viewer))
      throw new DomainError(
        'forbidden',
        `session: ${viewer.username} is not a witness of ${sessionId}; a witness replays only their own sessions`,
      );
    return session;
  }

  /** A session's footage: the cameras locked to it, their segments and gaps over the time bound to it. */
  session(id: string, now: number, viewer: Viewer): SessionReplay {
    const { session, window, cameras } = this.bound(id, now, viewer);
    return {
      session: {
        id: session.id,
        transactionCode: session.transactionCode,
        projectCode: session.project.code,
        room: session.room,
        state: session.state,
        start: session.start,
        end: session.end,
      },
      from: window.from,
      to: window.to,
      cameras: cameras.map(({ id: camera, ranges }) => {
        const timelines = ranges.map((r) => this.deps.video.timeline(camera, r.from, r.to));
        return {
          id: camera,
          name: this.cameraName(camera),
          ranges,
          segments: unique(
            timelines.flatMap((t) => t.segments),
            (s) => s.id,
          ).map(publicSegment),
          gaps: unique(
            timelines.flatMap((t) => t.gaps),
            (g) => g.from,
          ),
        };
      }),
    };
  }

  /** A recorded segment, only when it is footage of the session (its camera, within the time bound to it). */
  segment(sessionId: string, segmentId: number, now: number, viewer: Viewer): Segment {
    const { cameras } = this.bound(sessionId, now, viewer);
    const segment = this.deps.video.index.segment(segmentId);
    const bound = cameras.find((c) => c.id === segment?.camera);
    if (!segment || !bound?.ranges.some((r) => segment.end > r.from && segment.start < r.to))
      throw new DomainError('not-found', `segment: ${segmentId} is not footage of session ${sessionId}`);
    return segment;
  }

  private bound(id: string, now: number, viewer: Viewer) {
    const { venue, video, log } = this.deps;
    const session = this.replayable(id, viewer);
    const window = replayWindow(session, log.sessionSpan(id), now);
    const roomCameras = venue.cameras.filter((c) => c.zone === session.room).map((c) => c.id);
    return { session, window, cameras: boundCameras(video.index.locksOf(id), window, roomCameras) };
  }

  /** Venue-file cameras by their file's name, adopted ones by theirs; a camera since removed by its id. */
  private cameraName(id: string): string {
    return (
      this.deps.venue.cameras.find((c) => c.id === id)?.name ?? this.deps.video.adoption.directory.get(id)?.name ?? id
    );
  }
}

/** Who asks to replay: the signed-in console user. */
export interface Viewer {
  role: string;
  username: string;
}

/** The replay rule by role: a witness is limited to the sessions that list them as staff. */
export function mayReplay(
  session: Pick<EvaluationSession, 'staff'>,
  viewer: { role: string; username: string },
): boolean {
  if (viewer.role !== 'witness') return true;
  return session.staff.some((s) => s.id === viewer.username);
}
