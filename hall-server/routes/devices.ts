import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { VenueContext } from '../../edge/context.ts';

const Device = T.Object({
  id: T.String(),
  kind: T.String(),
  name: T.String(),
  room: T.Union([T.String(), T.Null()]),
  door: T.Union([T.String(), T.Null()]),
  zone: T.Union([T.String(), T.Null()]),
  online: T.Boolean(),
  lastSeen: T.Union([T.Integer(), T.Null()]),
  firmware: T.Union([T.String(), T.Null()]),
  malformed: T.Integer({ description: 'malformed messages received from this device' }),
  lastError: T.Union([T.String(), T.Null()]),
  lastErrorAt: T.Union([T.Integer(), T.Null()]),
  heartbeatS: T.Integer(),
  state: T.Union([T.Record(T.String(), T.Unknown()), T.Null()]),
});

export const deviceRoutes =
  (ctx: VenueContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/devices',
      {
        schema: {
          tags: ['devices'],
          summary: 'Every device and camera: online/offline, last seen, firmware, errors',
          querystring: T.Object({ kind: T.Optional(T.String()), online: T.Optional(T.Boolean()) }),
          response: { 200: T.Array(Device) },
        },
      },
      async (req) =>
        ctx.registry
          .list()
          .filter(
            (d) =>
              (req.query.kind === undefined || d.kind === req.query.kind) &&
              (req.query.online === undefined || d.online === req.query.online),
          ),
    );

    app.get(
      '/api/devices/:id',
      {
        schema: {
          tags: ['devices'],
          params: T.Object({ id: T.String() }),
          response: { 200: Device, 404: T.Object({ error: T.String() }) },
        },
      },
      async (req, reply) => {
        const device = ctx.registry.get(req.params.id);
        return device
          ? device
          : reply.code(404).send({ error: `no device "${req.params.id}" in venue ${ctx.venue.id}` });
      },
    );
  };
