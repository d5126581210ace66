// Remote sessions (远程异地评标) on the hub:
//   POST /v1/remote-sessions          schedule one (operator bearer token, or a city-admin's console session): the
//                                     hub signs a downlink schedule for the host venue (naming its guest rooms) and
//                                     one for each guest venue (naming its host), the same session id at every venue
//   GET  /v1/remote-sessions          the remote sessions scheduled, links and relays (operator bearer token, or
//                                     any city user's console session)
//   GET  /v1/venues/{venue}/link      the edge↔hub link (WebSocket, venue-signed upgrade; edge/sync/link-wire.ts)
// Downlink messages go down the link as soon as they are signed (the 30 s pull stays as the fallback), and the
// guest venues' events of a remote session are relayed to its host (guest-relay.ts).
import { timingSafeEqual } from 'node:crypto';
import { type Static, Type as T } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeSchemaError } from '../../config/json-schema.ts';
import { ExpertInput, StaffInput } from '../../edge/sessions/model.ts';
import type { CityHub } from '../hub.ts';
import { verifyVenueRequest } from '../venue-auth.ts';
import { cityUserRefusal } from '../views/routes.ts';
import type { CityRole } from '../views/types.ts';
import { GuestRelay } from './guest-relay.ts';
import { LinkHub } from './link-hub.ts';
import { remoteSessionList } from './session-list.ts';
import { topologyRoomPlaces } from './venue-rooms.ts';

const VenueId = T.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
const RoomId = T.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
const When = T.Union([T.Integer({ minimum: 0 }), T.String({ minLength: 1 })]);
const Seating = T.Object(
  {
    venue: VenueId,
    room: RoomId,
    experts: T.Array(ExpertInput, { maxItems: 200 }),
    staff: T.Optional(T.Array(StaffInput, { maxItems: 200 })),
  },
  { additionalProperties: false },
);

/** A remote session as the expert-draw system or a city operator gives it: pseudonymous experts per venue. */
export const RemoteSessionInput = T.Object(
  {
    id: T.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
    transactionCode: T.String({ minLength: 1, maxLength: 64 }),
    project: T.Object(
      { code: T.String({ minLength: 1, maxLength: 64 }), name: T.String({ minLength: 1, maxLength: 300 }) },
      { additionalProperties: false },
    ),
    start: When,
    end: When,
    host: Seating,
    guests: T.Array(Seating, { minItems: 1, maxItems: 8 }),
  },
  { additionalProperties: false },
);
export type RemoteSessionInput = Static<typeof RemoteSessionInput>;
const validateInput = new Ajv({ strict: false }).compile<RemoteSessionInput>(RemoteSessionInput);

/** The schedule payload each venue gets: its own room, experts and staff, and the other side of the session. */
export function remoteSchedules(input: RemoteSessionInput): { venue: string; payload: { sessions: unknown[] } }[] {
  const { host, guests, ...common } = input;
  const seated = (s: RemoteSessionInput['host']) => ({
    ...common,
    room: s.room,
    experts: s.experts,
    ...(s.staff ? { staff: s.staff } : {}),
  });
  return [
    {
      venue: host.venue,
      payload: {
        sessions: [{ ...seated(host), remote: { guests: guests.map((g) => ({ venue: g.venue, room: g.room })) } }],
      },
    },
    ...guests.map((g) => ({
      venue: g.venue,
      payload: { sessions: [{ ...seated(g), remote: { hostVenue: host.venue, hostRoom: host.room } }] },
    })),
  ];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The edge↔hub links by venue (city/remote/link-hub.ts): `handle(kind, …)`, `send(venue, message)`. */
    cityLinks: LinkHub;
    /** The remote sessions known to the hub (`session(id)`: host, host room, guest rooms). */
    remoteSessions: GuestRelay;
  }
}

/** Constant-time comparison of the operator's bearer token (no early exit on the first differing byte). */
export function operatorTokenValid(expected: string | null, header: string | undefined): boolean {
  if (!expected || !header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * The remote-sessions plugin. `operatorToken`: the bearer token city operators schedule with (hub config); null
 * refuses every scheduling request. The guest rooms' places come from the topology files in config/venues.
 */
export function remoteRoutes(options: { operatorToken: string | null }) {
  return async (app: FastifyInstance, hub: CityHub): Promise<void> => {
    const links = new LinkHub(app.log);
    const relay = new GuestRelay(hub, links, topologyRoomPlaces());
    // For the plugins listed after this one (live video and intercom through the hub): the venues' links, and which
    // venue hosts which remote session with which guest rooms.
    app.decorate('cityLinks', links);
    app.decorate('remoteSessions', relay);
    // Remote sessions scheduled before this start: the hosts' signed schedules name their guest rooms.
    for (const venue of await hub.store.venueIds())
      for (const envelope of await hub.downlinkAfter(venue, 0)) relay.noteSchedule(venue, envelope.payload);
    const onAccepted = (venue: string, events: Parameters<GuestRelay['accepted']>[1]) => relay.accepted(venue, events);
    const onDownlink = (envelope: Awaited<ReturnType<CityHub['pushSchedule']>>) => {
      relay.noteSchedule(envelope.venue, envelope.payload);
      links.send(envelope.venue, { kind: 'downlink', envelope });
    };
    hub.on('accepted', onAccepted);
    hub.on('downlink', onDownlink);
    app.addHook('onClose', async () => {
      hub.off('accepted', onAccepted);
      hub.off('downlink', onDownlink);
      links.close();
    });

    // The operator's token, or the city console's session with one of `roles` (city/views/routes.ts).
    const operatorOr = (roles?: readonly CityRole[]) => async (req: FastifyRequest, reply: FastifyReply) => {
      if (operatorTokenValid(options.operatorToken, req.headers.authorization)) return;
      const refused = cityUserRefusal(req, roles);
      if (refused?.status === 401)
        return reply
          .code(401)
          .send({ error: 'authorization: an operator bearer token or a city console session is required' });
      if (refused) return reply.code(refused.status).send({ error: refused.error });
    };

    app.post('/v1/remote-sessions', { preHandler: operatorOr(['city-admin']) }, async (req, reply) => {
      if (!validateInput(req.body))
        return reply.code(400).send({ error: `remote session ${describeSchemaError(validateInput.errors![0]!)}` });
      const input = req.body;
      const venues = [input.host.venue, ...input.guests.map((g) => g.venue)];
      const twice = venues.find((v, i) => venues.indexOf(v) !== i);
      if (twice) return reply.code(400).send({ error: `remote session /guests: venue ${twice} seated twice` });
      for (const [i, venue] of venues.entries())
        if (!(await hub.publicKeyOf(venue)))
          return reply.code(400).send({
            error: `remote session ${i === 0 ? '/host' : `/guests/${i - 1}`}/venue: venue ${venue} is not registered with the hub`,
          });
      const downlink = [];
      for (const { venue, payload } of remoteSchedules(input)) {
        const envelope = await hub.pushSchedule(venue, payload);
        downlink.push({ venue, seq: envelope.seq, pushed: links.isConnected(venue) });
      }
      const scheduledBy = operatorTokenValid(options.operatorToken, req.headers.authorization)
        ? 'operator token'
        : `city user ${req.cityUser!.username}`;
      req.log.info({ session: input.id, venues, scheduledBy }, 'remote session scheduled');
      return { session: input.id, scheduledBy, downlink };
    });

    app.get('/v1/remote-sessions', { preHandler: operatorOr() }, async () => {
      const hosts = [];
      for (const venue of await hub.store.venueIds()) hosts.push(...(await hub.downlinkAfter(venue, 0)));
      return {
        sessions: remoteSessionList(hosts, (venue) => links.isConnected(venue)),
        links: links.status(),
        relay: relay.status(),
      };
    });

    app.get<{ Params: { venue: string }; Querystring: { after?: string } }>(
      '/v1/venues/:venue/link',
      {
        websocket: true,
        // Refused before the upgrade: a venue that cannot sign gets an HTTP answer, not a socket.
        preValidation: async (req, reply) => {
          const denied = await verifyVenueRequest(hub, req.params.venue, req);
          if (denied) return reply.code(401).send({ error: denied });
        },
      },
      async (socket, req) => {
        const { venue } = req.params;
        links.attach(venue, socket);
        // What the venue has not taken yet goes down at once.
        const after = Number(req.query.after ?? '0');
        for (const envelope of await hub.downlinkAfter(venue, Number.isSafeInteger(after) ? after : 0))
          links.send(venue, { kind: 'downlink', envelope });
      },
    );
  };
}
