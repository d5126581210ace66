import { join } from 'node:path';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { VenueContext, VenueServices } from '../edge/context.ts';
import { NameGuard } from '../edge/displays/name-guard.ts';
import { KEY_FILES } from '../edge/keys-dir.ts';
import { loadOrCreateKey } from '../edge/store/secret-box.ts';
import { sealCipherOf } from '../edge/store/suites.ts';
import type { CertifiedKey } from '../edge/tls/venue-ca.ts';
import { ensureAdministrator } from './auth/bootstrap.ts';
import { ExpertNames } from './auth/expert-names.ts';
import { installAuthGuard } from './auth/guard.ts';
import { UserStore } from './auth/user-store.ts';
import { installErrorHandler } from './errors.ts';
import { authRoutes } from './routes/auth.ts';
import { consoleRoutes } from './routes/console.ts';
import { installSecurityHeaders } from './security-headers.ts';

export type HallServer = FastifyInstance;

/** What a module's routes are built from: the venue, its services, and the hall server's own sign-in parts. */
export interface HallRouteContext {
  ctx: VenueContext;
  services: VenueServices;
  users: UserStore;
  /** The experts' names, readable only by the roles that may (hall-server/auth/expert-names.ts). */
  names: ExpertNames;
  /** Refuses free text that carries an expert's name (boards, notices, project names). */
  nameGuard: NameGuard;
}

/** A module's routes plugin, built once the hall server's sign-in parts exist (app/modules.ts lists them). */
export type HallRoutes = (http: HallRouteContext) => FastifyPluginAsyncTypebox | FastifyPluginAsync;

/**
 * The hall server: REST + WebSocket for the console, kiosks, displays and auditors, documented at /docs. It brings
 * sign-in, roles and the console's overview; every other route comes from the module that owns it (`routes`).
 */
export async function buildHallServer(
  ctx: VenueContext,
  services: VenueServices,
  options: { logger: Logger; https?: CertifiedKey | null; routes: readonly HallRoutes[] },
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    forceCloseConnections: true,
    ...(options.https ? { https: { key: options.https.key, cert: options.https.cert } } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();
  installSecurityHeaders(app);
  // Before any route: every plugin registered after it inherits the one mapping of domain errors to statuses.
  installErrorHandler(app);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: `HallEdge — ${ctx.venue.name}`,
        version: '0.1.0',
        description: 'Venue edge API (评标区智能化边缘控制器)',
      },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyWebsocket);
  // Sign-in and roles guard every /api route registered after this (hall-server/auth/policy.ts).
  const users = new UserStore(ctx.db, ctx.log);
  const names = new ExpertNames(
    ctx.db,
    loadOrCreateKey(join(ctx.keysDir, KEY_FILES.names), sealCipherOf(ctx.venue.record?.suite)),
  );
  // Free text on displays and project names on boards are checked against the experts' names.
  const nameGuard = new NameGuard(names);
  services.displays.guardNames(names);
  await ensureAdministrator(
    users,
    options.logger,
    join(ctx.keysDir, KEY_FILES.initialAdminPassword),
    ctx.settings.adminPassword,
  );
  await installAuthGuard(app, { users, log: ctx.log, terminals: services.checkin.terminals });
  await app.register(authRoutes({ users, names, log: ctx.log }));
  await app.register(consoleRoutes(ctx, services, names, nameGuard));
  for (const routes of options.routes) await app.register(routes({ ctx, services, users, names, nameGuard }));
  return app;
}
