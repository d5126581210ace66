// The guest room's live video and intercom calls through the hub (远程异地评标): WebSocket routes, each opened by a venue's edge and
// signed by it (verifyVenueRequest), and the link message the guest venue may answer with.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import '../../edge/remote-media/link-messages.ts';
import type { CityHub } from '../hub.ts';
import { verifyVenueRequest } from '../venue-auth.ts';
import './routes.ts';
import { type GuestMediaTarget, MediaRelays } from './media-relay.ts';

type VenueRequest = FastifyRequest<{ Params: { venue: string } }>;

/**
 *   GET /v1/venues/{host}/remote/live?session=S&guest=B[&camera=C]   the host edge's viewer socket
 *   GET /v1/venues/{host}/remote/call?session=S&guest=B              the host edge's call socket (audio both ways)
 *   GET /v1/venues/{guest}/remote/relays/{relay}                      the guest edge's side of one relay
 * The guest is asked over its link (`media-supply`, with the grant) and may refuse (`media-refused`).
 */
export async function mediaRoutes(app: FastifyInstance, hub: CityHub): Promise<void> {
  // The links and the remote sessions are the remote-sessions plugin's (routes.ts), registered before this one.
  const links = app.cityLinks;
  const relays = new MediaRelays({
    // The hub's own check before it signs anything: a remote session it scheduled, hosted by A, a guest room at B.
    // The guest venue checks again against its own copy.
    isGuestRoomOf: (host, { session, guest }) => {
      const known = app.remoteSessions.session(session);
      return known?.host === host && known.guests.some((g) => g.venue === guest);
    },
    sign: (fields) => hub.signMediaGrant(fields),
    ask: (guest, grant) => links.send(guest, { kind: 'media-supply', grant }),
  });
  links.handle('media-refused', (msg, from) => relays.refused(from.venue, msg.relay, msg.error));
  app.addHook('onClose', async () => relays.stop());

  // Before the upgrade: a request not signed by the venue it names is answered 401 with the reason.
  const venueSigned = async (req: VenueRequest, reply: FastifyReply) => {
    const denied = await verifyVenueRequest(hub, req.params.venue, req);
    if (denied) return reply.code(401).send({ error: denied });
  };
  const Venue = { type: 'string', minLength: 1, maxLength: 64 } as const;

  const hostRoute = (path: string, kind: GuestMediaTarget['kind']) =>
    app.get<{ Params: { venue: string }; Querystring: { session: string; guest: string; camera?: string } }>(
      path,
      {
        websocket: true,
        preValidation: venueSigned,
        schema: {
          params: { type: 'object', properties: { venue: Venue }, required: ['venue'] },
          querystring: {
            type: 'object',
            properties: { session: Venue, guest: Venue, ...(kind === 'remote-live' ? { camera: Venue } : {}) },
            required: ['session', 'guest'],
            additionalProperties: false,
          },
        },
      },
      (socket: WebSocket, req) => {
        const { session, guest, camera } = req.query;
        relays.open(req.params.venue, { kind, session, guest, camera: camera ?? null }, socket);
      },
    );
  hostRoute('/v1/venues/:venue/remote/live', 'remote-live');
  hostRoute('/v1/venues/:venue/remote/call', 'remote-call');

  app.get<{ Params: { venue: string; relay: string } }>(
    '/v1/venues/:venue/remote/relays/:relay',
    {
      websocket: true,
      preValidation: venueSigned,
      schema: {
        params: {
          type: 'object',
          properties: { venue: Venue, relay: { type: 'string', pattern: '^[A-Za-z0-9_-]{16,64}$' } },
          required: ['venue', 'relay'],
        },
      },
    },
    (socket: WebSocket, req) => relays.attach(req.params.venue, req.params.relay, socket),
  );
}
