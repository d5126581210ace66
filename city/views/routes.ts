// The city console on the hub: the page (dashboards/dist/city, built with the other pages), sign-in for city
// users, the views as JSON and the live alarm feed over WebSocket. Every answer is built from CityViews, which
// reads only the city's allow-list (facts.ts): nothing a venue uploads outside it can come out here.
//   GET  /                                the city console page (and /assets/* it loads)
//   POST /api/city/auth/login             {username, password} → the user; sets the session cookie
//   GET  /api/city/auth/me                the signed-in user
//   POST /api/city/auth/logout
//   GET  /api/city/venue-names            venues' names (the hub's topology files, not uploads)
//   GET  /api/city/venues                 every venue's state
//   GET  /api/city/venues/:venue          one venue: devices, open alarms, today's sessions
//   GET  /api/city/sessions/today         today's sessions (Asia/Shanghai) across venues
//   GET  /api/city/alarms/open            open alarms across venues, most urgent first
//   GET  /api/city/alarms/live            WebSocket: the latest alarm changes, then each change
//   POST /api/city/users                  (city-admin) {username, password, role, displayName?}
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { CityHub } from '../hub.ts';
import { CityUserError, CityUsers } from './city-users.ts';
import { CityViews, DEFAULT_VIEWS_OPTIONS, shanghaiDay } from './city-views.ts';
import { followHub } from './follow-hub.ts';
import type { AlarmFeedMessage, CityAlarm, CityRole, CityUserView, VenueNames } from './types.ts';
import { venueNames } from './venue-names.ts';

/** The one Vite build of every page (dashboards/vite.config.ts); found by path, the hub imports no page code. */
const PAGES_DIST = join(dirname(fileURLToPath(import.meta.url)), '../../dashboards/dist');
export const CITY_SESSION_COOKIE = 'halledge_city_session';
/** The rebuild at start reads two days of uploads: today's sessions and recent alarms and device changes. */
const REPLAY_MS = 2 * 86_400_000;
/** Batches other hub processes take (behind a load balancer) reach this one's views within this. */
const POLL_MS = 2000;
const PAGE_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'";
const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>HallEdge</title>
<p>页面尚未构建 / The pages are not built: run <code>npm run build:dashboards</code>.</p>`;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** City roles allowed on the route; absent: any signed-in city user. `open`: no sign-in (the login). */
    cityRoles?: readonly CityRole[] | 'open';
  }
}

export async function cityViewsRoutes(app: FastifyInstance, hub: CityHub): Promise<void> {
  const users = await CityUsers.open(hub.store.db);
  const views = new CityViews(DEFAULT_VIEWS_OPTIONS);
  const unfollow = await followHub(views, hub, {
    replayMs: REPLAY_MS,
    pollMs: POLL_MS,
    onError: (err) => app.log.error({ err }, 'city views: could not follow the hub'),
  });
  app.addHook('onClose', unfollow);
  noteVenueContact(app, views);
  await signedInCityUser(app, users);
  await app.register(pageRoutes);
  await app.register(async (api) => apiRoutes(api, users, views, venueNames()));
}

/**
 * A venue is heard from by its batches (`accepted`) but also by its signed downlink pulls (every 30 s, its
 * heartbeat) and checkpoints (which also say how far its own record goes). Read off the hub's core routes' answers.
 */
function noteVenueContact(app: FastifyInstance, views: CityViews): void {
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode !== 200) return;
    const venue = (req.params as { venue?: string } | undefined)?.venue;
    if (!venue) return;
    const route = req.routeOptions.url;
    if (route === '/v1/venues/:venue/downlink') views.contact(venue, Date.now());
    if (route === '/v1/venues/:venue/checkpoints') {
      views.contact(venue, Date.now());
      const size = (req.body as { checkpoint?: { size?: unknown } } | null)?.checkpoint?.size;
      if (Number.isSafeInteger(size)) views.signedHead(venue, size as number);
    }
  });
}

async function pageRoutes(app: FastifyInstance): Promise<void> {
  const page = join(PAGES_DIST, 'city/index.html');
  if (!existsSync(page)) {
    app.get('/', async (_req, reply) => reply.code(503).type('text/html').send(NOT_BUILT));
    return;
  }
  // Hashed file names: the assets never change under a name.
  await app.register(fastifyStatic, {
    root: join(PAGES_DIST, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
  });
  app.get('/', async (_req, reply) =>
    reply
      .header('content-security-policy', PAGE_POLICY)
      .header('cache-control', 'no-cache')
      .sendFile('city/index.html', PAGES_DIST),
  );
}

declare module 'fastify' {
  interface FastifyRequest {
    cityUser: CityUserView | null;
  }
}

/**
 * Every request's signed-in city user (`req.cityUser`) from the console's session cookie, for the console's routes
 * and for hub routes city users may also call (scheduling remote sessions, city/remote/routes.ts).
 */
async function signedInCityUser(app: FastifyInstance, users: CityUsers): Promise<void> {
  await app.register(fastifyCookie);
  app.decorateRequest('cityUser', null);
  app.addHook('onRequest', async (req) => {
    const token = req.cookies[CITY_SESSION_COOKIE];
    if (token) req.cityUser = await users.sessionUser(token);
  });
}

/** The console's session check: why a request is refused for the city `roles` (any signed-in user: none), or null. */
export function cityUserRefusal(
  req: FastifyRequest,
  roles?: readonly CityRole[],
): { status: 401 | 403; error: string } | null {
  if (!req.cityUser) return { status: 401, error: 'sign in first (session missing or expired)' };
  if (roles && !roles.includes(req.cityUser.role))
    return { status: 403, error: `role "${req.cityUser.role}" may not ${req.method} ${req.routeOptions.url}` };
  return null;
}

async function apiRoutes(app: FastifyInstance, users: CityUsers, views: CityViews, names: VenueNames): Promise<void> {
  await app.register(fastifyRateLimit, { global: false });
  app.addHook('onRequest', async (req, reply) => {
    const roles = req.routeOptions.config.cityRoles;
    if (roles === 'open') return;
    const refused = cityUserRefusal(req, roles);
    if (refused) return reply.code(refused.status).send({ error: refused.error });
  });

  app.post(
    '/api/city/auth/login',
    {
      config: { cityRoles: 'open', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password'],
          properties: { username: { type: 'string', maxLength: 64 }, password: { type: 'string', maxLength: 256 } },
        },
      },
    },
    async (req, reply) => {
      const { username, password } = req.body as { username: string; password: string };
      const user = await users.authenticate(username, password);
      if (!user) return reply.code(401).send({ error: 'wrong username or password' });
      const session = await users.openSession(user.username);
      reply.setCookie(CITY_SESSION_COOKIE, session.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: 'auto',
        expires: new Date(session.expiresAt),
      });
      return user;
    },
  );
  app.get('/api/city/auth/me', async (req) => req.cityUser);
  app.post('/api/city/auth/logout', async (req, reply) => {
    const token = req.cookies[CITY_SESSION_COOKIE];
    if (token) await users.closeSession(token);
    reply.clearCookie(CITY_SESSION_COOKIE, { path: '/' });
    return { signedOut: true };
  });
  app.post(
    '/api/city/users',
    {
      config: { cityRoles: ['city-admin'] },
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password', 'role'],
          additionalProperties: false,
          properties: {
            username: { type: 'string' },
            password: { type: 'string' },
            role: { type: 'string' },
            displayName: { type: 'string', maxLength: 64 },
          },
        },
      },
    },
    async (req, reply) => {
      try {
        await users.create(req.body as { username: string; password: string; role: string; displayName?: string });
      } catch (err) {
        if (err instanceof CityUserError) return reply.code(400).send({ error: err.message });
        throw err;
      }
      return reply.code(201).send({ created: (req.body as { username: string }).username });
    },
  );

  app.get('/api/city/venue-names', async () => names);
  app.get('/api/city/venues', async () => ({ venues: views.overview(Date.now()) }));
  app.get<{ Params: { venue: string } }>('/api/city/venues/:venue', async (req, reply) => {
    const detail = views.venue(req.params.venue, Date.now());
    return detail ?? reply.code(404).send({ error: `venue: no venue "${req.params.venue}" known to the hub` });
  });
  app.get('/api/city/sessions/today', async () => {
    const now = Date.now();
    return { day: shanghaiDay(now), sessions: views.sessionsToday(now) };
  });
  app.get('/api/city/alarms/open', async () => ({ alarms: views.openAlarms() }));

  const sockets = new Set<WebSocket>();
  const send = (socket: WebSocket, message: AlarmFeedMessage) => socket.send(JSON.stringify(message));
  const onAlarm = (alarm: CityAlarm) => {
    for (const socket of sockets) send(socket, { type: 'alarm', alarm });
  };
  views.on('alarm', onAlarm);
  app.addHook('onClose', async () => {
    views.off('alarm', onAlarm);
  });
  app.get('/api/city/alarms/live', { websocket: true }, (socket: WebSocket, _req: FastifyRequest) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    send(socket, { type: 'recent', alarms: views.recentAlarmChanges() });
  });
}
