import { join } from 'node:path';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { VenueContext } from '../edge/context.ts';
import { NameGuard } from '../edge/displays/name-guard.ts';
import { KEY_FILES } from '../edge/keys-dir.ts';
import type { VenueMetrics } from '../edge/metrics/venue-metrics.ts';
import type { VenueServices } from '../edge/services.ts';
import { loadOrCreateKey } from '../edge/store/secret-box.ts';
import type { CertifiedKey } from '../edge/tls/venue-ca.ts';
import { ensureAdministrator } from './auth/bootstrap.ts';
import { ExpertNames } from './auth/expert-names.ts';
import { installAuthGuard } from './auth/guard.ts';
import { UserStore } from './auth/user-store.ts';
import { accessRoutes } from './routes/access.ts';
import { alarmRoutes } from './routes/alarms.ts';
import { auditLogRoutes } from './routes/audit-log.ts';
import { authRoutes } from './routes/auth.ts';
import { callRecordingRoutes } from './routes/call-recordings.ts';
import { checkinRoutes } from './routes/checkin.ts';
import { consoleRoutes } from './routes/console.ts';
import { deviceRoutes } from './routes/devices.ts';
import { displayRoutes } from './routes/displays.ts';
import { eventRoutes } from './routes/events.ts';
import { evidenceRoutes } from './routes/evidence.ts';
import { footageRoutes } from './routes/footage.ts';
import { intercomRoutes } from './routes/intercom.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { recordAnchorRoutes } from './routes/record-anchor.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { syncRoutes } from './routes/sync.ts';
import { systemRoutes } from './routes/system.ts';
import { trackingRoutes } from './routes/tracking.ts';
import { videoRoutes } from './routes/video.ts';
import { installSecurityHeaders } from './security-headers.ts';

export type HallServer = FastifyInstance;

/** The hall server: REST + WebSocket for the console, kiosks, displays and auditors, documented at /docs. */
export async function buildHallServer(
  ctx: VenueContext,
  services: VenueServices,
  options: { logger: Logger; https?: CertifiedKey | null; metrics: VenueMetrics; metricsToken: string | null },
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    forceCloseConnections: true,
    ...(options.https ? { https: { key: options.https.key, cert: options.https.cert } } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();
  installSecurityHeaders(app);
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
  const names = new ExpertNames(ctx.db, loadOrCreateKey(join(ctx.keysDir, KEY_FILES.names)));
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
  await app.register(systemRoutes(ctx));
  await app.register(deviceRoutes(ctx));
  await app.register(eventRoutes(ctx));
  await app.register(recordAnchorRoutes(ctx));
  await app.register(evidenceRoutes(ctx));
  await app.register(callRecordingRoutes(ctx));
  await app.register(auditLogRoutes(ctx));
  await app.register(alarmRoutes(ctx));
  await app.register(sessionRoutes(ctx, services, nameGuard));
  await app.register(syncRoutes(ctx, services));
  await app.register(accessRoutes(ctx, services));
  await app.register(checkinRoutes(ctx, services));
  await app.register(trackingRoutes(ctx, services));
  await app.register(displayRoutes(ctx, services));
  await app.register(intercomRoutes(ctx, services));
  await app.register(videoRoutes(services.video));
  await app.register(footageRoutes(ctx, services));
  await app.register(metricsRoutes(options.metrics, options.metricsToken));
  return app;
}
