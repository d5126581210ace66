import { createReadStream, statSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VenueContext } from '../../edge/context.ts';
import type { VenueServices } from '../../edge/services.ts';
import type { EvaluationSession } from '../../edge/sessions/model.ts';
import type { Segment } from '../../edge/video/segment-index.ts';
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
  /** The most recent recorded gap in the last 24 h. */
  lastGap: { from: number; to: number } | null;
}

export interface FootageSegment {
  id: number;
  start: number;
  end: number;
  size: number;
  sha256: string;
}

/** A session's footage for replay: the cameras of its room over the session's time. */
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
  cameras: { id: string; name: string; segments: FootageSegment[]; gaps: { from: number; to: number }[] }[];
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
 * replay for auditors — the session's room cameras with their segments and recorded gaps, and the segment files
 * over HTTP with range requests (what a <video> element needs to seek).
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

    const sessionFootage = (id: string) => {
      const session = sessions.get(id);
      if (!session) return null;
      const window = replayWindow(session, ctx.log.sessionSpan(id), Date.now());
      const cameras = ctx.venue.cameras.filter((c) => c.zone === session.room);
      return { session, window, cameras };
    };

    app.get(
      '/api/video/replay/:session',
      {
        config: { roles: REPLAY_ROLES, audit: true },
        schema: {
          tags,
          summary: "A session's footage: its room's cameras, their segments and recorded gaps over the session",
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
          cameras: cameras.map((c) => {
            const t = video.timeline(c.id, window.from, window.to);
            return { id: c.id, name: c.name, segments: t.segments.map(publicSegment), gaps: t.gaps };
          }),
        };
        return footage;
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
        const segment = found.cameras
          .flatMap((c) => video.timeline(c.id, found.window.from, found.window.to).segments)
          .find((s) => s.id === segmentId);
        if (!segment)
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
