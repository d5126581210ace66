import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { VenueContext, VenueServices } from '../../edge/context.ts';

const By = T.String({ minLength: 1, description: 'who acts (console user id)' });
const Clock = T.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$', description: 'HH:mm venue time' });
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

export const accessRoutes =
  (ctx: VenueContext, services: VenueServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { access } = services;
    const tags = ['access'];

    app.get(
      '/api/access/status',
      { schema: { tags, summary: 'Door mode, fire panels, who is where today' } },
      async () => ({
        ...access.store.mode(),
        activeFirePanels: access.activeFirePanels(),
        rollCallsDue: access.store.rollCallsDue(),
        settings: access.rules.options,
        presence: access.store.presentToday(Date.now()),
        allowLists: Object.fromEntries(access.topology.passageDevices.map((d) => [d, access.allowLists.versionOf(d)])),
      }),
    );

    app.get(
      '/api/access/events',
      {
        schema: {
          tags,
          summary: 'Access decisions, passages, door alarms, offline decisions, mode changes — in record order',
          querystring: T.Object({
            session: T.Optional(T.String()),
            after: T.Optional(T.Integer({ minimum: 0 })),
            since: T.Optional(T.Integer({ minimum: 0, description: 'Only events at or after this time (ms)' })),
            limit: T.Optional(T.Integer({ minimum: 1, maximum: 5000, default: 1000 })),
          }),
        },
      },
      async (req) =>
        ctx.log.query({
          typePrefix: 'access.',
          session: req.query.session,
          since: req.query.since,
          afterSeq: req.query.after,
          limit: req.query.limit,
        }),
    );

    app.get(
      '/api/access/allow-lists/:device',
      {
        schema: { tags, summary: 'The allow-list a gate or door holds now', params: T.Object({ device: T.String() }) },
      },
      async (req, reply) => {
        const version = access.allowLists.versionOf(req.params.device);
        const list = version === null ? null : access.allowLists.listAt(req.params.device, version);
        return list ?? reply.code(404).send({ error: `no allow-list for ${req.params.device}` });
      },
    );

    app.post(
      '/api/access/reentry',
      {
        schema: {
          tags,
          summary: 'A witness lets an expert who left the zone during evaluation back in (once)',
          body: T.Object({
            person: T.String({ minLength: 1 }),
            by: By,
            note: T.Optional(T.String({ maxLength: 500 })),
          }),
        },
      },
      async (req) => {
        access.approveReentry(req.body.person, req.body.by, req.body.note ?? null);
        return { ok: true };
      },
    );

    app.post(
      '/api/access/roll-call',
      {
        config: { roles: ['administrator', 'witness'] },
        schema: {
          tags,
          summary: "After a fire, a witness's roll call for one session: who came back, who did not (recorded)",
          body: T.Object({
            session: T.String({ minLength: 1 }),
            by: By,
            present: T.Array(T.String({ minLength: 1 }), { maxItems: 200 }),
            absent: T.Array(T.String({ minLength: 1 }), { maxItems: 200 }),
            note: T.Optional(T.String({ maxLength: 500 })),
          }),
        },
      },
      async (req) => {
        const { session, by, present, absent, note } = req.body;
        access.rollCall(session, { present, absent, by, note: note ?? null });
        return { ok: true, rollCallsDue: access.store.rollCallsDue() };
      },
    );

    app.post(
      '/api/access/normal-mode',
      {
        schema: {
          tags,
          summary: 'End fire mode: doors return to normal (operator action; refused while a panel reports fire)',
          body: T.Object({ by: By, note: T.Optional(T.String({ maxLength: 500 })) }),
        },
      },
      async (req) => {
        return access.restoreNormal(req.body.by, req.body.note ?? null);
      },
    );

    app.post(
      '/api/access/settings',
      {
        schema: {
          tags,
          summary: 'Change access settings (entry window after check-in)',
          body: T.Object({ by: By, entryWindowMs: T.Optional(T.Integer()) }),
        },
      },
      async (req) => {
        return access.configure({ entryWindowMs: req.body.entryWindowMs }, req.body.by);
      },
    );

    app.get('/api/access/staff', { schema: { tags, summary: 'Staff roster (role and schedule)' } }, async () =>
      access.store.roster(),
    );

    app.post(
      '/api/access/staff',
      {
        schema: {
          tags,
          summary: 'Put a person on the staff roster: role, weekdays, hours, whether they may open every room',
          body: T.Object({
            by: By,
            person: T.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' }),
            role: T.String({ minLength: 1, maxLength: 32 }),
            days: T.Optional(T.Array(T.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7 })),
            from: Clock,
            to: Clock,
            allRooms: T.Optional(T.Boolean()),
          }),
        },
      },
      async (req) => {
        const b = req.body;
        access.enrollStaff(
          {
            person: b.person,
            role: b.role,
            days: b.days ?? [1, 2, 3, 4, 5, 6, 7],
            fromMin: minutes(b.from),
            toMin: minutes(b.to),
            allRooms: b.allRooms ?? false,
          },
          b.by,
        );
        return access.store.rosterEntry(b.person);
      },
    );

    app.post(
      '/api/access/staff/:person/remove',
      { schema: { tags, params: T.Object({ person: T.String() }), body: T.Object({ by: By }) } },
      async (req) => {
        access.removeStaff(req.params.person, req.body.by);
        return { ok: true };
      },
    );
  };
