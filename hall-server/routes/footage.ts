import { createReadStream, statSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VenueContext, VenueServices } from '../../edge/context.ts';
import { sessionEventsByKind } from '../../edge/store/session-events-by-kind.ts';
import { FootageReplay } from '../../edge/video/footage-replay.ts';
import type { Segment } from '../../edge/video/segment-index.ts';
import type { Role } from '../auth/roles.ts';

/** Replaying footage is reading the record: the roles that read the record (policy.ts RECORD_READERS). */
const REPLAY_ROLES: readonly Role[] = ['administrator', 'witness', 'auditor'];

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
    const replay = new FootageReplay({ venue: ctx.venue, video, sessions, log: ctx.log, alarms: ctx.alarms });
    const tags = ['video'];

    app.get(
      '/api/video/overview',
      {
        // Status only (no footage, no people): not a privileged view, and the grid polls it.
        config: { audit: false },
        schema: { tags, summary: "The venue's cameras by zone: recorder state, offline, last segment, last gap" },
      },
      async () => replay.overview(Date.now()),
    );

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
      async (req) => replay.session(req.params.session, Date.now(), req.user!),
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
      async (req) => {
        replay.replayable(req.params.session, req.user!);
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
        const segment = replay.segment(sessionId, segmentId, Date.now(), req.user!);
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
