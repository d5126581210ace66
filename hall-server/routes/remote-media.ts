import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type as T } from '@sinclair/typebox';
import { RELAY_MAX_BUFFERED } from '../../edge/remote-media/relay-protocol.ts';
import type { RemoteMedia } from '../../edge/remote-media/remote-media-module.ts';

/**
 * 远程异地评标 at the host venue: a guest room's live view and a call to its intercom station, relayed through the
 * city hub (edge/remote-media). The live view sends what the local one does — a JSON header `{mode, mime, stream,
 * camera}`, then binary fMP4 — so the console's player plays it as any tile; a call's audio joins with WebRTC as a
 * local call's. Only the session's staff watch or call; every view is audited, every call recorded at the guest
 * venue as any call of its station.
 */
export const remoteMediaRoutes =
  ({ host, calls }: RemoteMedia): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['remote'];
    const Params = T.Object({
      session: T.String({ minLength: 1, maxLength: 64 }),
      venue: T.String({ minLength: 1, maxLength: 64, description: 'the guest venue' }),
    });
    const Query = T.Object({
      camera: T.Optional(T.String({ minLength: 1, maxLength: 64, description: "default: the guest room's first" })),
    });
    const targetOf = (params: Static<typeof Params>, query: Static<typeof Query>) => ({
      session: params.session,
      guest: params.venue,
      camera: query.camera ?? null,
    });

    app.get(
      '/api/remote/sessions/:session/guests/:venue/live',
      {
        websocket: true,
        config: { audit: true },
        schema: {
          tags,
          summary:
            "Live view of a guest room (substream, fMP4 for MSE) of a remote session hosted here, relayed through the city hub; the session's staff only",
          params: Params,
          querystring: Query,
        },
        // Refused before the upgrade with the rule's reason (403 for a user not on the session's staff), and before
        // the guard's preHandler records the view: a refused request watched nothing.
        preValidation: async (req) => {
          host.authorise(req.user!.username, targetOf(req.params, req.query));
        },
      },
      (socket, req) => {
        const detach = host.relay(targetOf(req.params, req.query), {
          start: (info) => socket.send(JSON.stringify(info)),
          send: (chunk) => socket.send(chunk),
          ready: () => socket.bufferedAmount < RELAY_MAX_BUFFERED,
          close: (reason) => socket.close(1011, reason.slice(0, 120)),
        });
        socket.on('close', detach);
      },
    );

    // Witnesses and administrators place calls, as at the venue's own intercom; the session's staff rule decides.
    const callers = { roles: ['administrator', 'witness'] as const };
    const CallParams = T.Object({ id: T.String({ minLength: 1, maxLength: 64 }) });

    app.post(
      '/api/remote/sessions/:session/guests/:venue/call',
      {
        config: callers,
        schema: { tags, summary: "Calls a guest room's intercom station through the city hub", params: Params },
      },
      async (req) => calls.place(req.user!.username, { session: req.params.session, guest: req.params.venue }),
    );

    app.get(
      '/api/remote/calls/:id',
      { schema: { tags, summary: 'A call to a guest room placed by this user: its state', params: CallParams } },
      async (req) => calls.get(req.params.id, req.user!.username),
    );

    app.post(
      '/api/remote/calls/:id/audio',
      {
        config: callers,
        schema: {
          tags,
          summary: "Joins a guest room call's audio over WebRTC: the page's SDP offer (PCMU) in, the edge's answer out",
          params: CallParams,
          body: T.Object({
            sdp: T.String({ minLength: 1, maxLength: 20_000, description: 'WebRTC offer, ICE candidates included' }),
          }),
        },
      },
      async (req) => ({ type: 'answer', sdp: await calls.joinAudio(req.params.id, req.user!.username, req.body.sdp) }),
    );

    app.post(
      '/api/remote/calls/:id/hangup',
      { config: callers, schema: { tags, summary: 'Hangs up a guest room call', params: CallParams } },
      async (req) => calls.hangup(req.params.id, req.user!.username),
    );
  };
