import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { VenueContext, VenueServices } from '../../edge/context.ts';
import { combineRemoteParts } from '../../edge/evidence/remote-package.ts';
import { exportSessionEvidence } from '../../edge/evidence/session-export.ts';
import type { Role } from '../auth/roles.ts';

/** As for a single venue's package (routes/evidence.ts): those who audit the record and the administrator. */
const EXPORT_ROLES: readonly Role[] = ['auditor', 'administrator'];

/**
 * Remote sessions hosted here (远程异地评标, edge/remote): each guest room as the host witness sees it — the guest
 * venue's check-ins, session state and alarms (pseudonyms and ids only), when each arrived here, and the gaps
 * while the host could not see it — and the session's evidence with every venue's part.
 */
export const remoteRoutes =
  (ctx: VenueContext, services: VenueServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['remote'];
    const params = T.Object({ id: T.String() });

    app.get(
      '/api/remote/sessions',
      { schema: { tags, summary: 'Live remote sessions hosted here, each guest room with what the host knows of it' } },
      async () => ({ link: services.sync.status().link, sessions: services.remote.hosted() }),
    );

    app.get(
      '/api/remote/sessions/:id',
      { schema: { tags, summary: 'One remote session hosted here: its guest rooms', params } },
      async (req) => services.remote.remoteSession(req.params.id),
    );

    app.get(
      '/api/remote/alarms',
      {
        schema: {
          tags,
          summary: "Guest rooms' alarms of the live remote sessions hosted here (for the console's alarm list)",
        },
      },
      async () =>
        services.remote
          .hosted()
          .flatMap((s) =>
            s.guests.flatMap((g) =>
              g.alarms.map((a) => ({ ...a, session: s.session, venue: g.venue, room: g.room, guestVenue: true })),
            ),
          ),
    );

    app.post(
      '/api/remote/sessions/:id/evidence',
      {
        config: { roles: EXPORT_ROLES },
        schema: {
          tags,
          summary: "A remote session's evidence: this venue's package and each guest venue's, each signed by its venue",
          params,
        },
      },
      async (req, reply) => {
        const id = req.params.id;
        // The guest parts first: a guest venue out of reach fails the export before the host records one.
        const guests = await services.remote.requestEvidence(id);
        const host = await exportSessionEvidence(ctx, id, req.user!.username);
        const zip = combineRemoteParts(id, ctx.venue.id, [
          { venue: ctx.venue.id, role: 'host', zip: host.zip },
          ...guests,
        ]);
        return reply
          .type('application/zip')
          .header('content-disposition', `attachment; filename="evidence-${id}-remote.zip"`)
          .send(Buffer.from(zip));
      },
    );
  };
