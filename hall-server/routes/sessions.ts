import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import type { VenueContext, VenueServices } from '../../edge/context.ts';
import type { NameGuard } from '../../edge/displays/name-guard.ts';
import { DomainError } from '../../edge/domain-error.ts';
import { SESSION_STATES } from '../../edge/sessions/model.ts';
import { sessionsFromCsv } from '../../edge/sessions/schedule-files.ts';
import { sessionFor } from '../auth/redact.ts';

const By = T.String({ minLength: 1, description: 'who acts (console user id)' });
const IdParams = T.Object({ id: T.String() });

/** Joins lines into ~64 KB chunks: one write per line would cost more than building the lines. */
function* inChunks(lines: Iterable<string>, size = 64 * 1024): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= size) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export const sessionRoutes =
  (ctx: VenueContext, services: VenueServices, names: NameGuard): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { sessions } = services;
    const tags = ['sessions'];

    app.get(
      '/api/sessions',
      {
        schema: {
          tags,
          summary: 'Sessions, optionally of one venue-time day (YYYY-MM-DD), state or room',
          querystring: T.Object({
            day: T.Optional(T.String()),
            state: T.Optional(StringEnum(SESSION_STATES)),
            room: T.Optional(T.String()),
          }),
        },
      },
      async (req) => {
        return sessions.list(req.query).map((s) => sessionFor(req.user, s, names));
      },
    );

    app.get('/api/sessions/today', { schema: { tags, summary: "Today's sessions" } }, async (req) =>
      sessions.today().map((s) => sessionFor(req.user, s, names)),
    );

    app.get('/api/sessions/:id', { schema: { tags, params: IdParams } }, async (req, reply) => {
      const session = sessions.get(req.params.id);
      return session
        ? sessionFor(req.user, session, names)
        : reply.code(404).send({ error: `no session ${req.params.id}` });
    });

    app.get(
      '/api/sessions/:id/history',
      { schema: { tags, summary: 'Who changed what: every event of the session, in order', params: IdParams } },
      async (req) => {
        return sessions.history(req.params.id);
      },
    );

    app.get(
      '/api/sessions/:id/record',
      {
        schema: {
          tags,
          summary: "The session's whole record for replay: every event, in order, streamed as NDJSON",
          params: IdParams,
        },
      },
      async (req, reply) => {
        if (!sessions.get(req.params.id)) return reply.code(404).send({ error: `no session ${req.params.id}` });
        return reply
          .type('application/x-ndjson; charset=utf-8')
          .send(Readable.from(inChunks(ctx.log.sessionLines(req.params.id))));
      },
    );

    app.post(
      '/api/sessions',
      {
        schema: {
          tags,
          summary: 'Create or update one session (administrator)',
          body: T.Object({ by: By, session: T.Unknown({ description: 'SessionInput' }) }),
        },
      },
      async (req) => {
        return sessions.upsert(req.body.session, req.body.by);
      },
    );

    app.post(
      '/api/sessions/import',
      {
        schema: {
          tags,
          summary: 'Import a schedule: JSON sessions or CSV text; valid rows are imported, the rest reported',
          body: T.Object({
            by: By,
            sessions: T.Optional(T.Array(T.Unknown())),
            csv: T.Optional(T.String({ description: 'CSV with the columns documented in docs/sessions-access.md' })),
          }),
        },
      },
      async (req) => {
        const { by, csv } = req.body;
        if ((csv === undefined) === (req.body.sessions === undefined))
          throw new DomainError('invalid', 'give exactly one of "sessions" and "csv"');
        const inputs = csv === undefined ? req.body.sessions! : sessionsFromCsv(csv);
        const source = csv === undefined ? 'console' : 'file:csv';
        return sessions.importSchedule(inputs, { source, by, method: 'console' });
      },
    );

    app.get(
      '/api/sessions/:id/late-arrivals',
      {
        schema: {
          tags,
          summary: "The session's experts against the late-entry rule: held for a witness, let in, refused",
          params: IdParams,
        },
      },
      async (req) => {
        return sessions.lateArrivals(req.params.id);
      },
    );

    app.post(
      '/api/sessions/:id/late-arrivals/:pseudonym',
      {
        // The witness on the floor decides (docs/sessions-access.md, Rules: late-needs-witness).
        config: { roles: ['administrator', 'witness'] },
        schema: {
          tags,
          summary: 'A witness lets a late expert in (check-in, gate and room door follow) or refuses them; recorded',
          params: T.Object({ id: T.String(), pseudonym: T.String() }),
          body: T.Object({ by: By, approve: T.Boolean(), note: T.Optional(T.String({ maxLength: 500 })) }),
        },
      },
      async (req) => {
        const { by, approve, note } = req.body;
        return sessions.decideLateArrival(req.params.id, req.params.pseudonym, { approved: approve, by, note });
      },
    );

    app.post(
      '/api/sessions/:id/state',
      {
        schema: {
          tags,
          summary: 'Move a session to another state (check-in open, in progress, suspended, completed, …)',
          params: IdParams,
          body: T.Object({ to: StringEnum(SESSION_STATES), by: By, reason: T.Optional(T.String({ maxLength: 500 })) }),
        },
      },
      async (req) => {
        return sessions.transition(req.params.id, req.body.to, { by: req.body.by, reason: req.body.reason });
      },
    );

    app.post(
      '/api/sessions/:id/experts',
      {
        schema: {
          tags,
          summary: 'Authorise experts (pseudonymous ids, optional seat) for a session',
          params: IdParams,
          body: T.Object({
            by: By,
            experts: T.Array(T.Object({ pseudonym: T.String({ minLength: 1 }), seat: T.Optional(T.String()) }), {
              minItems: 1,
            }),
          }),
        },
      },
      async (req) => {
        const experts = req.body.experts.map((e) => ({ pseudonym: e.pseudonym, seat: e.seat ?? null }));
        return sessions.authoriseExperts(req.params.id, experts, req.body.by);
      },
    );

    app.post(
      '/api/sessions/:id/experts/:pseudonym/revoke',
      {
        schema: {
          tags,
          summary: "Withdraw an expert's authorisation",
          params: T.Object({ id: T.String(), pseudonym: T.String() }),
          body: T.Object({ by: By }),
        },
      },
      async (req) => {
        return sessions.revokeExpert(req.params.id, req.params.pseudonym, req.body.by);
      },
    );
  };
