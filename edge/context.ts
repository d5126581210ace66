import type { Logger } from 'pino';
import type { Venue } from '../config/schema.ts';
import type { AccessService } from './access/access-service.ts';
import type { AlarmEngine } from './alerts/alarms.ts';
import type { Bus } from './bus/bus.ts';
import type { DeviceGateway } from './bus/device-gateway.ts';
import type { CheckinCapability } from './checkin/checkin-module.ts';
import type { ClockWatch } from './clock/clock-watch.ts';
import type { DisplayService } from './displays/display-service.ts';
import type { ModuleSettings } from './edge-config.ts';
import type { IntercomService } from './intercom/intercom-service.ts';
import type { DeviceRegistry } from './registry/device-registry.ts';
import type { RemoteService } from './remote/remote-service.ts';
import type { RemoteMedia } from './remote-media/remote-media-module.ts';
import type { SessionService } from './sessions/session-service.ts';
import type { RecordAnchor } from './store/checkpoints.ts';
import type { Db } from './store/database.ts';
import type { EventLog } from './store/event-log.ts';
import type { SyncService } from './sync/sync-service.ts';
import type { TrackingService } from './tracking/tracking-service.ts';
import type { VideoService } from './video/video-service.ts';

/** Everything a venue's modules share. Domain modules receive this; they never reach into hall-server. */
export interface VenueContext {
  venue: Venue;
  dataDir: string;
  /** Where the venue's key files live, apart from the data (edge/keys-dir.ts). */
  keysDir: string;
  db: Db;
  log: EventLog;
  /** The record's signed checkpoints and receipts, and whether the record is degraded (edge/store/checkpoints.ts). */
  anchor: RecordAnchor;
  alarms: AlarmEngine;
  registry: DeviceRegistry;
  bus: Bus;
  gateway: DeviceGateway;
  /** The host clock's state (time daemon, drift alarm): every timestamp in the record depends on it. */
  clock: ClockWatch;
  /** What the modules take from the machine's configuration (edge/edge-config.ts). */
  settings: ModuleSettings;
  logger: Logger;
  /** The device's bus password, for provisioning and the simulators. */
  deviceCredential(deviceId: string): string;
}

/** A capability wired into the venue at start (sessions, access, tracking, …); stop() runs at shutdown, in reverse order. */
export interface VenueModule {
  name: string;
  stop?(): Promise<void> | void;
}

/**
 * The venue's capabilities (sessions, check-in, access, tracking, …), built once at start. Each capability
 * adds its service here; built and listed in app/modules.ts; hall-server routes reach them through `services`.
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
  /** Remote sessions (远程异地): guest rooms seen at the host over the hub link, evidence parts (edge/remote). */
  remote: RemoteService;
  /** Room and hall boards, witness notices (edge/displays). */
  displays: DisplayService;
  /** Room stations calling witness consoles: queue, escalation, recorded audio (edge/intercom). */
  intercom: IntercomService;
  /** CCTV: ONVIF cameras, recording, retention, live view (edge/video). */
  video: VideoService;
  /** 远程异地: guest rooms' live video relayed through the city hub, as host and as guest (edge/remote-media). */
  remoteMedia: RemoteMedia;
  /** Stop hooks, run in reverse order at shutdown. */
  modules: VenueModule[];
}
