import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { DASHBOARDS_DIST } from '../../dashboards/build.ts';
import { checkOutsOf } from '../../edge/checkin/checkout.ts';
import type { VenueContext, VenueServices } from '../../edge/context.ts';
import type { NameGuard } from '../../edge/displays/name-guard.ts';
import { TRANSITIONS } from '../../edge/sessions/model.ts';
import type { NameLookup } from '../auth/expert-names.ts';
import { peopleFor, sessionFor } from '../auth/redact.ts';

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>HallEdge</title>
<p>页面尚未构建 / The pages are not built: run <code>npm run build:dashboards</code>.</p>`;

/**
 * One Vite build (dashboards/vite.config.ts): the console at /, the kiosk at /kiosk/, the live view at /live/, and one
 * display page for every board, /displays/<id> (the page reads the id from its address). Pages hold no data.
 */
export const builtPages: FastifyPluginAsync = async (app) => {
  if (existsSync(DASHBOARDS_DIST)) {
    await app.register(fastifyStatic, { root: DASHBOARDS_DIST, prefix: '/', wildcard: true });
    app.get('/displays/:id', { schema: { hide: true } }, async (_req, reply) => reply.sendFile('display/index.html'));
  } else {
    for (const page of ['/', '/kiosk/', '/live/', '/displays/:id'])
      app.get(page, { schema: { hide: true } }, async (_req, reply) =>
        reply.code(503).type('text/html').send(NOT_BUILT),
      );
  }
  for (const page of ['/kiosk', '/live'])
    app.get(page, { schema: { hide: true } }, async (req, reply) =>
      reply.redirect(`${page}/${req.url.slice(page.length)}`),
    );
};

/**
 * The built pages (dashboards/dist: console, kiosk, display boards, live view), and the few views the console needs that join
 * several capabilities for one viewer — with expert names only for the roles allowed to see them.
 */
export const consoleRoutes =
  (ctx: VenueContext, services: VenueServices, names: NameLookup, nameGuard: NameGuard): FastifyPluginAsyncTypebox =>
  async (app) => {
    await app.register(builtPages);

    app.get(
      '/api/console/sessions',
      {
        schema: {
          tags: ['console'],
          summary:
            "Today's sessions for the sessions board: experts with check-in state; names only for administrator and witness",
        },
      },
      async (req) => {
        const today = services.sessions.today();
        return today.map((s) => {
          const people = peopleFor(
            req.user,
            s.experts.map((e) => e.pseudonym),
            names,
            { log: ctx.log, purpose: 'sessions-board', session: s.id },
          );
          const checkedOut = checkOutsOf(ctx.log, s.id);
          const experts = s.experts.map((e, i) => {
            const checkin = s.checkins.find((c) => c.pseudonym === e.pseudonym) ?? null;
            return {
              pseudonym: e.pseudonym,
              name: people[i]!.name,
              seat: e.seat,
              checkedIn: checkin ? { at: checkin.at, method: checkin.method, badge: checkin.badge } : null,
              /** When check-out (checkin.released) handed back badge and locker. */
              checkedOutAt: checkedOut.get(e.pseudonym) ?? null,
            };
          });
          return {
            id: s.id,
            transactionCode: s.transactionCode,
            project: sessionFor(req.user, s, nameGuard).project,
            room: s.room,
            start: s.start,
            end: s.end,
            state: s.state,
            /** States an authorised user may move the session to now. */
            next: TRANSITIONS[s.state],
            remote: s.remote,
            experts,
            progress: { checkedIn: s.checkins.length, total: s.experts.length },
          };
        });
      },
    );
  };
