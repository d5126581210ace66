import { createReadStream, statSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VenueContext } from '../../edge/context.ts';
import type { VenueServices } from '../../edge/services.ts';
import type { EvaluationSession } from '../../edge/sessions/model.ts';
import { sessionEventsByKind } from '../../edge/store/session-events-by-kind.ts';
import type { TimeRange } from '../../edge/video/coverage.ts';
import type { Segment, SessionLock } from '../../edge/video/segment-index.ts';
import type { Role } from '../auth/roles.ts';

/** Replaying footage is reading the record: the roles that read the record (policy.ts RECORD_READERS). */
const REPLAY_ROLES: readonly Role[] = ['administrator', 'witness', 'auditor'];
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

export type { TimeRange };

/** A camera whose footage is bound to a session, and when: its ranges within the replay window. */
interface BoundCamera {
  id: string;
  ranges: TimeRange[];
}

/**
 * A session's footage for replay: every camera whose footage is locked to the session (its room's cameras, those
 * adopted into the room, those moved in or out while it ran), each over the time its lock binds to the session.
 */
export interface SessionFootage {
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

/** Parses `Range: bytes=a-b` (one range); null when absent, 'bad' when it cannot be served. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | null | 'bad' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'bad';
  const start = m[1] === '' ? Math.max(0, size - Number(m[2])) : Number(m[1]);
  const end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start > end || start >= size ? 'bad' : { start, end };
}

/**
 * The console's CCTV views: a status overview of the venue's cameras for the camera grid, and session footage
 * replay for auditors — the cameras whose footage is locked to the session, each with its segments and the gaps
 * in its footage over the time bound to the session, and the segment files over HTTP with range requests (what a <video>
 * element needs to seek).
 */
export const footageRoutes =
  (ctx: VenueContext, services: VenueServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { video, sessions } = services;
    const tags = ['video'];

    app.get(
      '/api/video/overview',
      {
        // Status only (no footage, no people): not a privileged view, and the grid polls it.
        config: { audit: false },
        schema: { tags, summary: "The venue's cameras by zone: recorder state, offline, last segment, last gap" },
      },
      async (): Promise<CameraOverview[]> => {
        const now = Date.now();
        const recorders = new Map(video.cameras().map((c) => [c.camera, c.state]));
        return ctx.venue.cameras.map((c) => {
          const timeline = video.timeline(c.id, now - 24 * HOUR, now + HOUR);
          return {
            id: c.id,
            name: c.name,
            zone: c.zone,
            dataClass: c.dataClass,
            state: recorders.get(c.id) ?? 'not-recording',
            live: recorders.has(c.id),
            offline: ctx.alarms.openFor('camera-offline', c.id) !== null,
            lastSegmentEnd: timeline.segments.at(-1)?.end ?? null,
            lastGap: timeline.gaps.at(-1) ?? null,
          };
        });
      },
    );

    /** Venue-file cameras by their file's name, adopted ones by theirs; a camera since removed by its id. */
    const cameraName = (id: string) =>
      ctx.venue.cameras.find((c) => c.id === id)?.name ?? video.adoption.directory.get(id)?.name ?? id;

    const sessionFootage = (id: string) => {
      const session = sessions.get(id);
      if (!session) return null;
      const window = replayWindow(session, ctx.log.sessionSpan(id), Date.now());
      const roomCameras = ctx.venue.cameras.filter((c) => c.zone === session.room).map((c) => c.id);
      const cameras = boundCameras(video.index.locksOf(id), window, roomCameras);
      return { session, window, cameras };
    };

    app.get(
      '/api/video/replay/:session',
      {
        config: { roles: REPLAY_ROLES, audit: true },
        schema: {
          tags,
          summary:
            "A session's footage: the cameras locked to it, their segments and the gaps in their footage over the time bound to it",
          params: T.Object({ session: T.String({ minLength: 1 }) }),
        },
      },
      async (req, reply) => {
        const found = sessionFootage(req.params.session);
        if (!found) return reply.code(404).send({ error: `session: no session ${req.params.session}` });
        const { session, window, cameras } = found;
        const footage: SessionFootage = {
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
          cameras: cameras.map(({ id, ranges }) => {
            const timelines = ranges.map((r) => video.timeline(id, r.from, r.to));
            return {
              id,
              name: cameraName(id),
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
        return footage;
      },
    );

    app.get(
      '/api/video/replay/:session/events',
      {
        config: { roles: REPLAY_ROLES, audit: true },
        schema: {
          tags,
          summary:
            "The session's events of the kinds the replay draws as markers (type prefixes), in record order, at most `limit` of each kind",
          params: T.Object({ session: T.String({ minLength: 1 }) }),
          querystring: T.Object({
            kind: T.Array(T.String({ pattern: '^[a-z][a-z-]*\\.$', description: 'a type prefix, e.g. "alarm."' }), {
              minItems: 1,
              maxItems: 20,
            }),
            limit: T.Optional(T.Integer({ minimum: 1, maximum: 5000, default: 5000 })),
          }),
        },
      },
      async (req, reply) => {
        if (!sessions.get(req.params.session))
          return reply.code(404).send({ error: `session: no session ${req.params.session}` });
        return sessionEventsByKind(ctx.db, req.params.session, req.query.kind, req.query.limit ?? 5000);
      },
    );

    app.get(
      '/api/video/replay/:session/segments/:segment',
      {
        // Audited below once per playback (a player asks for many byte ranges of one file).
        config: { roles: REPLAY_ROLES, audit: false },
        schema: {
          tags,
          summary: 'One recorded segment (video/mp4) of the session, with HTTP range requests',
          params: T.Object({ session: T.String({ minLength: 1 }), segment: T.Integer({ minimum: 1 }) }),
        },
      },
      async (req, reply) => {
        const { session: sessionId, segment: segmentId } = req.params;
        const found = sessionFootage(sessionId);
        if (!found) return reply.code(404).send({ error: `session: no session ${sessionId}` });
        const segment = video.index.segment(segmentId);
        const bound = found.cameras.find((c) => c.id === segment?.camera);
        if (!segment || !bound?.ranges.some((r) => segment.end > r.from && segment.start < r.to))
          return reply.code(404).send({ error: `segment: ${segmentId} is not footage of session ${sessionId}` });
        return sendSegment(req, reply, segment, () =>
          ctx.log.append({
            type: 'audit.viewed',
            actor: req.user?.username ?? null,
            session: sessionId,
            subject: segment.camera,
            data: {
              route: req.routeOptions.url,
              params: req.params,
              purpose: 'footage-replay',
              camera: segment.camera,
              segment: { start: segment.start, end: segment.end, sha256: segment.sha256 },
            },
          }),
        );
      },
    );
  };

/** Streams a segment file, whole or one byte range; `onOpen` runs when a playback starts (byte 0). */
function sendSegment(req: FastifyRequest, reply: FastifyReply, segment: Segment, onOpen: () => void) {
  let size: number;
  try {
    size = statSync(segment.path).size;
  } catch {
    return reply.code(410).send({ error: `segment: file of segment ${segment.id} is gone (retention)` });
  }
  const range = byteRange(req.headers.range, size);
  if (range === 'bad') return reply.code(416).header('content-range', `bytes */${size}`).send();
  if (!range || range.start === 0) onOpen();
  const { start, end } = range ?? { start: 0, end: size - 1 };
  reply
    .code(range ? 206 : 200)
    .type('video/mp4')
    .header('accept-ranges', 'bytes')
    .header('content-length', end - start + 1)
    .header('x-content-sha256', segment.sha256);
  if (range) reply.header('content-range', `bytes ${start}-${end}/${size}`);
  return reply.send(createReadStream(segment.path, { start, end }));
}
