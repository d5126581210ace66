import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import type { VenueContext, VenueServices } from '../../edge/context.ts';

const By = T.String({ minLength: 1, description: 'who acts (console user id)' });
const Millis = (description: string) => T.Integer({ minimum: 0, description });

export const trackingRoutes =
  (_ctx: VenueContext, services: VenueServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { tracking } = services;
    const tags = ['tracking'];

    app.get(
      '/api/tracking/positions',
      {
        schema: {
          tags,
          summary: 'Where every badge heard recently is now (live map): pseudonyms only, never names',
          querystring: T.Object({ floor: T.Optional(T.String()) }),
        },
      },
      async (req) => tracking.positions(req.query.floor),
    );

    app.get(
      '/api/tracking/occupancy',
      { schema: { tags, summary: 'Who is in each zone now, since when and for how long' } },
      async () => tracking.occupancy(),
    );

    app.get(
      '/api/tracking/stays',
      {
        schema: {
          tags,
          summary: 'Finished zone stays with dwell time (from tracking.zone-left), newest first',
          querystring: T.Object({
            zone: T.Optional(T.String()),
            person: T.Optional(T.String()),
            session: T.Optional(T.String()),
            from: T.Optional(Millis('stays that ended at or after this')),
            to: T.Optional(Millis('stays that began before this')),
            limit: T.Optional(T.Integer({ minimum: 1, maximum: 10_000 })),
          }),
        },
      },
      async (req) => tracking.stays(req.query),
    );

    app.get(
      '/api/tracking/trajectories',
      {
        schema: {
          tags,
          summary:
            "Replays a badge's or a person's stored trajectory; every replay is recorded (tracking.trajectory-viewed)",
          querystring: T.Object({
            badge: T.Optional(T.String({ minLength: 1 })),
            person: T.Optional(T.String({ minLength: 1, description: 'pseudonym: the badges they carried' })),
            from: Millis('start, epoch ms'),
            to: Millis('end (exclusive), epoch ms'),
            by: By,
            limit: T.Optional(T.Integer({ minimum: 1, maximum: 100_000 })),
          }),
        },
      },
      async (req) => {
        return tracking.trajectory(req.query);
      },
    );

    app.get('/api/tracking/badges', { schema: { tags, summary: 'Badges bound to people now' } }, async () =>
      tracking.bindings.list(),
    );

    app.post(
      '/api/tracking/badges/:badge/assign',
      {
        schema: {
          tags,
          summary: 'Gives a badge to a staff member (or an expert, by hand); experts normally get one at check-in',
          params: T.Object({ badge: T.String({ minLength: 1 }) }),
          body: T.Object({
            person: T.String({ minLength: 1, description: 'pseudonymous id' }),
            role: StringEnum(['staff', 'expert']),
            session: T.Optional(T.String()),
            by: By,
          }),
        },
      },
      async (req) => {
        tracking.assignBadge({ ...req.body, badge: req.params.badge });
        return tracking.bindings.get(req.params.badge);
      },
    );

    app.post(
      '/api/tracking/badges/:badge/release',
      {
        schema: {
          tags,
          summary: 'Takes a badge back (check-out)',
          params: T.Object({ badge: T.String({ minLength: 1 }) }),
          body: T.Object({ by: By, reason: T.Optional(T.String({ maxLength: 500 })) }),
        },
      },
      async (req) => {
        const e = tracking.releaseBadge(req.params.badge, req.body.by, req.body.reason ?? null);
        return { released: req.params.badge, seq: e.seq };
      },
    );

    app.get(
      '/api/tracking/population',
      {
        schema: {
          tags,
          summary: 'Head count per evaluation zone: people counted at its doors against badges heard inside',
        },
      },
      async () => tracking.population(),
    );

    app.post(
      '/api/tracking/population/recount',
      {
        schema: {
          tags,
          summary:
            "A witness's head count replaces the doors' count (recorded as tracking.population-recounted); default: the badges inside now",
          body: T.Object({
            by: By,
            zone: T.Optional(T.String({ minLength: 1 })),
            counted: T.Optional(T.Integer({ minimum: 0, maximum: 10_000 })),
            note: T.Optional(T.String({ maxLength: 500 })),
          }),
        },
      },
      async (req) => {
        const e = tracking.recount(req.body);
        return { ...e.data, seq: e.seq };
      },
    );

    app.get(
      '/api/tracking/config',
      { schema: { tags, summary: 'Tracking thresholds' } },
      async () => tracking.settings,
    );

    app.put(
      '/api/tracking/config',
      {
        schema: {
          tags,
          summary: 'Changes tracking thresholds (recorded as tracking.configured)',
          body: T.Object({ by: By, changes: T.Record(T.String(), T.Unknown()) }),
        },
      },
      async (req) => {
        return tracking.configure(req.body.changes, req.body.by);
      },
    );

    app.get('/api/tracking/stats', { schema: { tags, summary: 'Ingest and store counters' } }, async () => ({
      ...tracking.stats,
      store: { ...tracking.store.stats, pending: tracking.store.pendingCount },
    }));
  };
