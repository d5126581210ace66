import { AccessService } from './access/access-service.ts';
import { type CheckinCapability, startCheckin } from './checkin/checkin-module.ts';
import type { VenueContext, VenueModule } from './context.ts';
import { DisplayService } from './displays/display-service.ts';
import { IntercomService } from './intercom/intercom-service.ts';
import { SessionService } from './sessions/session-service.ts';
import { SyncService } from './sync/sync-service.ts';
import { TrackingService } from './tracking/tracking-service.ts';
import { SessionFootage } from './video/session-footage.ts';
import { VideoService } from './video/video-service.ts';

/**
 * The venue's capabilities (sessions, check-in, access, tracking, …), built once at start. Each capability
 * adds its service here and builds it in startServices; hall-server routes reach them through ctx.services.
 */
export interface VenueServices {
  /** Evaluation sessions: schedule import, states, authorised experts, check-ins (edge/sessions). */
  sessions: SessionService;
  /** Zone and room doors, gates, lockers, fire mode, gate allow-lists (edge/access). */
  access: AccessService;
  /** Expert check-in: ID card + face, enrolled face, witness; biometric store; face terminals (edge/checkin). */
  checkin: CheckinCapability;
  /** Badge positions, zone fences, tracking alarms, trajectory store (edge/tracking). */
  tracking: TrackingService;
  /** Upstream sync to the city platform and signed schedules coming down (edge/sync). */
  sync: SyncService;
  /** Room and hall boards, witness notices (edge/displays). */
  displays: DisplayService;
  /** Room stations calling witness consoles: queue, escalation, recorded audio (edge/intercom). */
  intercom: IntercomService;
  /** CCTV: ONVIF cameras, recording, retention, live view (edge/video). */
  video: VideoService;
  /** Stop hooks, run in reverse order at shutdown. */
  modules: VenueModule[];
}

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
  modules.push({ name: 'video', stop: () => video.stop() });
  // Evaluation-room footage is locked to the session held in the room, from its start to its end.
  const footage = new SessionFootage(video, sessions, ctx.log, { archiveDays: v.archiveDays }, ctx.logger);
  footage.start();
  modules.push({ name: 'session-footage', stop: () => footage.stop() });
  return { sessions, access, checkin, tracking, sync, displays, intercom, video, modules };
}
