import { AccessService } from '../edge/access/access-service.ts';
import { startCheckin } from '../edge/checkin/checkin-module.ts';
import type { VenueContext, VenueModule, VenueServices } from '../edge/context.ts';
import { DisplayService } from '../edge/displays/display-service.ts';
import { IntercomService } from '../edge/intercom/intercom-service.ts';
import { SessionService } from '../edge/sessions/session-service.ts';
import { SyncService } from '../edge/sync/sync-service.ts';
import { TrackingService } from '../edge/tracking/tracking-service.ts';
import { SessionFootage } from '../edge/video/session-footage.ts';
import { VideoService } from '../edge/video/video-service.ts';

/** Starts the venue's capability modules in order (app/start-venue.ts stops them in reverse). */
export async function startServices(ctx: VenueContext): Promise<VenueServices> {
  const modules: VenueModule[] = [];
  const sessions = new SessionService(ctx.log, ctx.venue);
  sessions.start();
  modules.push({ name: 'sessions', stop: () => sessions.stop() });
  const access = new AccessService(ctx, sessions);
  access.start();
  modules.push({ name: 'access', stop: () => access.stop() });
  const checkin = startCheckin(ctx, sessions);
  modules.push(checkin.module);
  const tracking = new TrackingService(ctx, sessions);
  tracking.start();
  modules.push({ name: 'tracking', stop: () => tracking.stop() });
  const sync = new SyncService(ctx, sessions);
  sync.start();
  modules.push({ name: 'sync', stop: () => sync.stop() });
  const displays = new DisplayService(ctx, sessions);
  displays.start();
  modules.push({ name: 'displays', stop: () => displays.stop() });

  const intercom = new IntercomService(ctx, sessions);
  intercom.start();
  modules.push({ name: 'intercom', stop: () => intercom.stop() });
  const { camera, video: v, recordAll } = ctx.settings;
  const video = new VideoService(ctx, {
    venue: ctx.venue,
    credentials: { username: camera.username, password: camera.password },
    discoveryTargets: camera.discovery,
    // The camera simulator's RTSP relay speaks RTP over UDP only (docs/video.md); real cameras: tcp.
    rtspTransport: camera.rtspTransport === 'udp' ? 'udp' : undefined,
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
  modules.push({ name: 'video', stop: () => video.stop() });
  // Evaluation-room footage is locked to the session held in the room, from its start to its end.
  const footage = new SessionFootage(video, sessions, ctx.log, { archiveDays: v.archiveDays }, ctx.logger);
  footage.start();
  modules.push({ name: 'session-footage', stop: () => footage.stop() });
  return { sessions, access, checkin, tracking, sync, displays, intercom, video, modules };
}
