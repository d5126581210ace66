import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type as T } from '@sinclair/typebox';
import type { HostGuestLive } from '../../edge/remote-media/host-viewing.ts';
import { RELAY_MAX_BUFFERED } from '../../edge/remote-media/relay-protocol.ts';

/**
 * 远程异地评标 at the host venue: a guest room's live view, relayed through the city hub (edge/remote-media). Same
 * messages as the local live view — a JSON header `{mode, mime, stream, camera}`, then binary fMP4 — so the
 * console's player plays it as any tile. Only the session's staff watch, and every view is audited.
 */
export const remoteMediaRoutes =
  (host: HostGuestLive): FastifyPluginAsyncTypebox =>
  async (app) => {
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
          tags: ['remote'],
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
  };
