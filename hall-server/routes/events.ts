import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { VenueContext } from '../../edge/context.ts';
import type { LoggedEvent } from '../../edge/store/event-log.ts';
import { verifyChain } from '../../edge/store/verify.ts';
import { RECORD_READERS } from '../auth/policy.ts';
import type { Role } from '../auth/roles.ts';

/** How many past events a feed client may ask to catch up on before live events start. */
const FEED_BACKLOG_LIMIT = 5000;

/**
 * What a role sees of each live event. The record's readers get it whole. Everyone else — who may not read
 * /api/events — gets alarms whole (the alarms API is theirs too) and of any other event only that it happened
 * (seq, time, type): enough for a page to reload what the role's own API calls may show.
 */
function feedViewFor(role: Role | undefined): (event: LoggedEvent) => LoggedEvent | FeedNotice {
  if (role && RECORD_READERS.includes(role)) return (event) => event;
  return (event) =>
    event.type.startsWith('alarm.') ? event : { seq: event.seq, venue: event.venue, at: event.at, type: event.type };
}

type FeedNotice = Pick<LoggedEvent, 'seq' | 'venue' | 'at' | 'type'>;

export const eventRoutes =
  (ctx: VenueContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/events',
      {
        schema: {
          tags: ['record'],
          summary: 'The event log, in sequence order',
          querystring: T.Object({
            after: T.Optional(T.Integer({ minimum: 0, description: 'return events with seq greater than this' })),
            session: T.Optional(T.String()),
            type: T.Optional(T.String({ description: 'exact type, or a prefix ending in "." (e.g. "door.")' })),
            limit: T.Optional(T.Integer({ minimum: 1, maximum: 5000, default: 500 })),
          }),
        },
      },
      async (req) => {
        const { after, session, type, limit } = req.query;
        const byPrefix = type?.endsWith('.');
        return ctx.log.query({
          afterSeq: after,
          session,
          type: byPrefix ? undefined : type,
          typePrefix: byPrefix ? type : undefined,
          limit,
        });
      },
    );

    app.get(
      '/api/events/verify',
      { schema: { tags: ['record'], summary: 'Walks the hash chain: intact, or the first broken event' } },
      async () => verifyChain(ctx.db),
    );

    // Live feed: {type:"event", event} messages; ?after=seq first replays what the client missed.
    app.get(
      '/api/feed',
      {
        websocket: true,
        schema: { tags: ['record'], querystring: T.Object({ after: T.Optional(T.Integer({ minimum: 0 })) }) },
      },
      (socket, req) => {
        const view = feedViewFor(req.user?.role);
        const send = (event: LoggedEvent) => socket.send(JSON.stringify({ type: 'event', event: view(event) }));
        const after = (req.query as { after?: number }).after;
        if (after !== undefined) for (const e of ctx.log.query({ afterSeq: after, limit: FEED_BACKLOG_LIMIT })) send(e);
        ctx.log.on('appended', send);
        socket.on('close', () => ctx.log.off('appended', send));
      },
    );
  };
