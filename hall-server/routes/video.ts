import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import type { CameraStream, LiveMode } from '../../edge/video/live-hub.ts';
import type { VideoService } from '../../edge/video/video-service.ts';

const Millis = (description: string) => T.Integer({ minimum: 0, description });

/**
 * CCTV API: cameras and their recording state, the timeline (segments and gaps), session locks, and live view
 * over WebSocket (first a JSON text message `{mode, mime, stream}`, then binary fMP4 for MSE or MPEG-TS for jsmpeg).
 */
export const videoRoutes =
  (video: VideoService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['video'];

    app.get(
      '/api/video/cameras',
      {
        schema: {
          tags,
          summary:
            'Cameras being recorded and their recorder state; `substream`: whether live grids get a smaller stream',
        },
      },
      async () => video.cameras(),
    );

    const admin = { roles: ['administrator'] as const };
    const Discovered = T.Object({
      xaddr: T.String(),
      name: T.Union([T.String(), T.Null()]),
      hardware: T.Union([T.String(), T.Null()]),
    });
    app.post(
      '/api/video/discovery',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Runs a WS-Discovery probe; answers the cameras found that are not yet in the venue',
          body: T.Optional(
            T.Object(
              { targets: T.Optional(T.Array(T.String({ minLength: 1 }), { minItems: 1, maxItems: 64 })) },
              { additionalProperties: false },
            ),
          ),
          response: { 200: T.Object({ found: T.Array(Discovered) }) },
        },
      },
      async (req) => {
        return { found: await video.adoption.discover(req.user!.username, req.body?.targets) };
      },
    );

    app.get(
      '/api/video/discovered',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Cameras the last discovery found that are not yet in the venue',
          response: { 200: T.Object({ found: T.Array(Discovered) }) },
        },
      },
      async () => ({ found: video.adoption.discovered() }),
    );

    const AdoptedCamera = T.Object({
      id: T.String(),
      name: T.String(),
      zone: T.String(),
      zoneSince: T.Union([T.Integer(), T.Null()], {
        description: "since when its footage is that zone's (ms; set by a move), null: since adoption",
      }),
      xaddr: T.String(),
      adoptedBy: T.String(),
      adoptedAt: T.Integer(),
    });
    app.get(
      '/api/video/adopted',
      {
        // Configuration and recorder state (no footage, no people): the camera administration page polls it.
        config: { ...admin, audit: false },
        schema: {
          tags,
          summary: 'Cameras adopted by an administrator (never their credentials), with their recorder state',
          response: {
            200: T.Array(
              T.Composite([
                AdoptedCamera,
                T.Object({ state: T.String({ description: 'starting, recording, stalled or not-recording' }) }),
              ]),
            ),
          },
        },
      },
      async () => {
        const recorders = new Map(video.cameras().map((c) => [c.camera, c.state]));
        return video.adoption.list().map((c) => ({ ...c, state: recorders.get(c.id) ?? 'not-recording' }));
      },
    );

    app.post(
      '/api/video/adopted',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Adopts a camera: checked over ONVIF, kept (credentials sealed), recorded at once and after restarts',
          body: T.Object(
            {
              id: T.String({ minLength: 1, maxLength: 63 }),
              name: T.String({ minLength: 1, maxLength: 100 }),
              zone: T.String({ minLength: 1, maxLength: 63, description: 'the zone (room) it films' }),
              xaddr: T.String({ minLength: 1, maxLength: 500, description: 'ONVIF device service address' }),
              username: T.String({ maxLength: 100 }),
              password: T.String({ maxLength: 200 }),
            },
            { additionalProperties: false },
          ),
          response: { 201: AdoptedCamera },
        },
      },
      async (req, reply) => {
        return reply.code(201).send(await video.adoption.adopt(req.body, req.user!.username));
      },
    );

    app.patch(
      '/api/video/adopted/:id',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Moves an adopted camera to another zone (room) and/or renames it; it records on, its footage binds to the new room from now',
          params: T.Object({ id: T.String({ minLength: 1 }) }),
          body: T.Object(
            {
              zone: T.Optional(T.String({ minLength: 1, maxLength: 63, description: 'the zone (room) it films now' })),
              name: T.Optional(T.String({ minLength: 1, maxLength: 100 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: AdoptedCamera },
        },
      },
      async (req) => {
        return video.adoption.change(req.params.id, req.body, req.user!.username);
      },
    );

    app.delete(
      '/api/video/adopted/:id',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Removes an adopted camera: recording stops, its footage stays under retention',
          params: T.Object({ id: T.String({ minLength: 1 }) }),
        },
      },
      async (req, reply) => {
        await video.adoption.remove(req.params.id, req.user!.username);
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/video/timeline/:camera',
      {
        schema: {
          tags,
          summary:
            'Recorded segments (with SHA-256) of one camera in [from, to), and every gap in its footage there (holes over 1.5 s)',
          params: T.Object({ camera: T.String({ minLength: 1 }) }),
          querystring: T.Object({ from: Millis('from, ms since epoch'), to: Millis('to, ms since epoch') }),
        },
      },
      async (req) => video.timeline(req.params.camera, req.query.from, req.query.to),
    );

    app.post(
      '/api/video/locks',
      {
        schema: {
          tags,
          summary: "Locks a camera's footage to an evaluation session until its archive period ends",
          body: T.Object(
            {
              sessionId: T.String({ minLength: 1 }),
              cameraId: T.String({ minLength: 1 }),
              from: Millis('footage from'),
              to: Millis('footage to'),
              until: Millis('lock holds until (end of archive period)'),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const b = req.body;
        return video.lockSession(b.sessionId, b.cameraId, b.from, b.to, b.until);
      },
    );

    app.get(
      '/api/video/live/:camera',
      {
        websocket: true,
        schema: {
          tags,
          summary:
            'Live view: fMP4 for Media Source Extensions (mse, no transcoding) or MPEG-1 fallback (mpeg1), of the ' +
            'main stream (default) or the substream grids show (sub; a camera without one sends its main stream)',
          params: T.Object({ camera: T.String({ minLength: 1 }) }),
          querystring: T.Object({
            mode: T.Optional(StringEnum(['mse', 'mpeg1'])),
            stream: T.Optional(StringEnum(['main', 'sub'])),
          }),
        },
      },
      (socket, req) => {
        const { camera } = req.params as { camera: string };
        const query = req.query as { mode?: LiveMode; stream?: CameraStream };
        const mode = query.mode ?? 'mse';
        // Main unless asked: a single view wants the full picture, and so did every caller before substreams.
        const stream = query.stream ?? 'main';
        try {
          const detach = video.live.watch(
            camera,
            mode,
            {
              start: (info) => socket.send(JSON.stringify(info)),
              send: (chunk) => socket.send(chunk),
              ready: () => socket.bufferedAmount < 8 * 1024 * 1024,
              close: (reason) => socket.close(1011, reason),
            },
            stream,
          );
          socket.on('close', detach);
        } catch (err) {
          socket.close(1008, (err as Error).message.slice(0, 120));
        }
      },
    );
  };
