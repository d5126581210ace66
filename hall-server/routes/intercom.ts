import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import type { VenueContext, VenueServices } from '../../edge/context.ts';

const ConsoleBody = T.Object({ console: T.String({ minLength: 1, maxLength: 64, description: 'witness console id' }) });

export const intercomRoutes =
  (_ctx: VenueContext, services: VenueServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { intercom } = services;
    const tags = ['intercom'];

    app.get(
      '/api/intercom/calls',
      {
        schema: {
          tags,
          querystring: T.Object({
            state: T.Optional(StringEnum(['ringing', 'talking', 'ended'])),
            session: T.Optional(T.String()),
          }),
        },
      },
      async (req) => intercom.list(req.query),
    );

    app.get('/api/intercom/queue', { schema: { tags, summary: 'Calls waiting, oldest first' } }, async () =>
      intercom.queue(),
    );

    app.post(
      '/api/intercom/answer',
      { schema: { tags, summary: 'Answers the oldest waiting call', body: ConsoleBody } },
      async (req) => intercom.answer(req.body.console),
    );

    app.post(
      '/api/intercom/calls/:id/answer',
      { schema: { tags, params: T.Object({ id: T.String() }), body: ConsoleBody } },
      async (req) => intercom.answer(req.body.console, req.params.id),
    );

    app.post(
      '/api/intercom/calls/:id/hangup',
      { schema: { tags, params: T.Object({ id: T.String() }), body: ConsoleBody } },
      async (req) => intercom.hangup(req.params.id, req.body.console),
    );

    app.post(
      '/api/intercom/calls/:id/audio',
      {
        schema: {
          tags,
          summary: "Joins the call's audio over WebRTC: the console page's SDP offer (PCMU) in, the edge's answer out",
          params: T.Object({ id: T.String() }),
          body: T.Object({
            console: ConsoleBody.properties.console,
            sdp: T.String({ minLength: 1, maxLength: 20_000, description: 'WebRTC offer, ICE candidates included' }),
          }),
        },
      },
      async (req) => ({
        type: 'answer',
        sdp: await intercom.joinAudio(req.params.id, req.body.console, req.body.sdp),
      }),
    );

    app.get(
      '/api/intercom/settings',
      { schema: { tags, summary: 'Consoles in escalation order, timeouts' } },
      async () => intercom.settings(),
    );

    app.post(
      '/api/intercom/rooms/:room/call',
      {
        schema: { tags, summary: "Calls a room's station", params: T.Object({ room: T.String() }), body: ConsoleBody },
      },
      async (req) => intercom.callRoom(req.body.console, req.params.room),
    );
  };
