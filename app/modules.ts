import { AccessService } from '../edge/access/access-service.ts';
import { startCheckin } from '../edge/checkin/checkin-module.ts';
import type { VenueContext, VenueModule, VenueServices } from '../edge/context.ts';
import { DisplayService } from '../edge/displays/display-service.ts';
import { IntercomService } from '../edge/intercom/intercom-service.ts';
import type { VenueMetrics } from '../edge/metrics/venue-metrics.ts';
import { RemoteService } from '../edge/remote/remote-service.ts';
import { startRemoteMedia } from '../edge/remote-media/remote-media-module.ts';
import { SessionService } from '../edge/sessions/session-service.ts';
import { SyncService } from '../edge/sync/sync-service.ts';
import { TrackingService } from '../edge/tracking/tracking-service.ts';
import { SessionFootage } from '../edge/video/session-footage.ts';
import { VideoService } from '../edge/video/video-service.ts';
import { accessRoutes } from '../hall-server/routes/access.ts';
import { alarmRoutes } from '../hall-server/routes/alarms.ts';
import { auditLogRoutes } from '../hall-server/routes/audit-log.ts';
import { callRecordingRoutes } from '../hall-server/routes/call-recordings.ts';
import { checkinRoutes } from '../hall-server/routes/checkin.ts';
import { deviceRoutes } from '../hall-server/routes/devices.ts';
import { displayRoutes } from '../hall-server/routes/displays.ts';
import { eventRoutes } from '../hall-server/routes/events.ts';
import { evidenceRoutes } from '../hall-server/routes/evidence.ts';
import { footageRoutes } from '../hall-server/routes/footage.ts';
import { intercomRoutes } from '../hall-server/routes/intercom.ts';
import { metricsRoutes } from '../hall-server/routes/metrics.ts';
import { recordAnchorRoutes } from '../hall-server/routes/record-anchor.ts';
import { remoteRoutes } from '../hall-server/routes/remote.ts';
import { remoteMediaRoutes } from '../hall-server/routes/remote-media.ts';
import { sessionRoutes } from '../hall-server/routes/sessions.ts';
import { syncRoutes } from '../hall-server/routes/sync.ts';
import { systemRoutes } from '../hall-server/routes/system.ts';
import { trackingRoutes } from '../hall-server/routes/tracking.ts';
import { videoRoutes } from '../hall-server/routes/video.ts';
import type { HallRoutes } from '../hall-server/server.ts';

/**
 * The routes of the venue core that app/start-venue.ts starts before the modules (store, record anchor, alarms,
 * device registry, bus), one line each.
 */
export function coreRoutes(metrics: VenueMetrics, metricsToken: string | null): HallRoutes[] {
  return [
    ({ ctx }) => systemRoutes(ctx), // /health, /ready
    ({ ctx }) => deviceRoutes(ctx), // the device registry: who is online, provisioning
    ({ ctx }) => eventRoutes(ctx), // the record: events in order, the live feed
    ({ ctx }) => recordAnchorRoutes(ctx), // signed checkpoints and the city's receipts
    ({ ctx }) => evidenceRoutes(ctx), // a session's evidence package
    ({ ctx }) => auditLogRoutes(ctx), // who viewed, replayed, exported or saw names
    ({ ctx }) => alarmRoutes(ctx), // alarms and their lifecycle
    () => metricsRoutes(metrics, metricsToken), // Prometheus scrape
  ];
}

/** What startModules gives the venue: the running services, their stops in start order and their routes. */
export interface StartedModules {
  services: VenueServices;
  routes: HallRoutes[];
}

/**
 * The venue's capability modules in start order, one entry each: what it adds, the service (its migrations run
 * when it is built), and the routes it serves. app/start-venue.ts stops them in reverse order.
 */
export function startModules(ctx: VenueContext): StartedModules {
  const list = new ModuleList();
  // Evaluation sessions: schedule import, states, authorised experts, check-ins (edge/sessions).
  const sessions = list.start('sessions', new SessionService(ctx.log, ctx.venue), ({ services, nameGuard }) =>
    sessionRoutes(ctx, services, nameGuard),
  );
  // Zone and room doors, gates, lockers, fire mode, gate allow-lists (edge/access).
  const access = list.start('access', new AccessService(ctx, sessions), ({ services }) => accessRoutes(ctx, services));
  // Expert check-in: ID card + face, enrolled face, witness; biometric store; face terminals (edge/checkin).
  const checkin = startCheckin(ctx, sessions);
  list.running(checkin.module, ({ services }) => checkinRoutes(ctx, services));
  // Badge positions, zone fences, tracking alarms, trajectory store (edge/tracking).
  const tracking = list.start('tracking', new TrackingService(ctx, sessions), ({ services }) =>
    trackingRoutes(ctx, services),
  );
  // Upstream sync to the city platform and signed schedules coming down (edge/sync).
  const sync = list.start('sync', new SyncService(ctx, sessions), ({ services }) => syncRoutes(ctx, services));
  // Remote sessions: guest rooms at the host over the hub link, each venue's evidence part (edge/remote).
  const remote = list.start('remote', new RemoteService(ctx, sessions, sync.link), ({ services }) =>
    remoteRoutes(ctx, services),
  );
  // Room and hall boards, witness notices (edge/displays).
  const displays = list.start('displays', new DisplayService(ctx, sessions), ({ services }) =>
    displayRoutes(ctx, services),
  );
  // Room stations calling witness consoles: queue, escalation, recorded audio (edge/intercom).
  const intercom = list.start(
    'intercom',
    new IntercomService(ctx, sessions),
    ({ services }) => intercomRoutes(ctx, services),
    () => callRecordingRoutes(ctx),
  );
  // CCTV: ONVIF cameras, recording, retention, live view (edge/video).
  const video = startVideo(ctx);
  list.running({ name: 'video', stop: () => video.stop() }, () => videoRoutes(video));
  // Evaluation-room footage is locked to the session held in the room, from its start to its end (edge/video).
  list.start(
    'session-footage',
    new SessionFootage(video, sessions, ctx.log, { archiveDays: ctx.settings.video.archiveDays }, ctx.logger),
    ({ services }) => footageRoutes(ctx, services),
  );
  // 远程异地: guest rooms' live video relayed through the city hub, as host and as guest (edge/remote-media).
  const remoteMedia = startRemoteMedia(ctx, sessions, video, intercom, sync);
  list.running({ name: 'remote-media', stop: () => remoteMedia.stop() }, () => remoteMediaRoutes(remoteMedia));
  const services = {
    sessions,
    access,
    checkin,
    tracking,
    sync,
    remote,
    displays,
    intercom,
    video,
    remoteMedia,
    modules: list.modules,
  };
  return { services, routes: list.routeList };
}

function startVideo(ctx: VenueContext): VideoService {
  const { camera, video: v, recordAll } = ctx.settings;
  const video = new VideoService(ctx, {
    venue: ctx.venue,
    credentials: { username: camera.username, password: camera.password },
    discoveryTargets: camera.discovery,
    rtspTransport: camera.rtspTransport,
    segmentS: v.segmentS,
    reserveBytes: v.reserveMb === undefined ? undefined : v.reserveMb * 2 ** 20,
    retention: {
      rollingDays: v.rollingDays,
      quotaBytes: v.quotaGb === undefined ? undefined : v.quotaGb * 1e9,
      minFreeBytes: v.minFreeGb === undefined ? undefined : v.minFreeGb * 1e9,
    },
  });
  // Recording spawns one ffmpeg per camera, so it is switched on per deployment (HALLEDGE_RECORD=1), not in tests.
  if (recordAll) video.adoptAll(ctx.venue.cameras);
  // Cameras an administrator adopted were asked for explicitly: they are recorded whatever HALLEDGE_RECORD says.
  video.adoption.resume();
  return video;
}

/** Collects, in start order, each module's stop for shutdown and its routes for the hall server. */
class ModuleList {
  readonly modules: VenueModule[] = [];
  readonly routeList: HallRoutes[] = [];

  /** Starts a service now; its stop runs at shutdown. */
  start<S extends { start(): void; stop(): Promise<void> | void }>(
    name: string,
    service: S,
    ...routes: HallRoutes[]
  ): S {
    service.start();
    this.running({ name, stop: () => service.stop() }, ...routes);
    return service;
  }

  /** A module that started itself. */
  running(module: VenueModule, ...routes: HallRoutes[]): void {
    this.modules.push(module);
    this.routeList.push(...routes);
  }
}
