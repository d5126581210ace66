// The demo venue's wiring, apart from the command line (demo.ts) so a test can start it on free ports.
import type { Logger } from 'pino';
import { startVenue, type VenueRuntime } from '../app/start-venue.ts';
import type { Venue } from '../config/schema.ts';
import { loadVenue, venueFile } from '../config/venue-loader.ts';
import { missingVideoTools } from '../devices/camera/video-tools.ts';
import { DEMO_USERS, ensureDemoUsers } from '../hall-server/auth/bootstrap.ts';
import { UserStore } from '../hall-server/auth/user-store.ts';
import type { CameraFarm } from './camera/camera-farm.ts';
import { type DemoCameras, startDemoCameras, venueCameraPort } from './demo-cameras.ts';
import { type DemoExpert, importDemoSession } from './demo-session.ts';
import { startVenueSimulators, type VenueSimulators } from './venue-simulators.ts';

const DEMO_VIDEO_QUOTA_GB = 2;

export interface DemoVenueOptions {
  /** A venue id from config/venues, or a parsed venue. */
  venue: string | Venue;
  dataDir: string;
  /** Ports on 127.0.0.1; 0 takes any free port. */
  http: number;
  mqtt: number;
  mqttWs: number;
  /** MQTT over TLS and secure WebSocket with the venue CA's certificate; off unless given. */
  mqttTls?: number | null;
  mqttWss?: number | null;
  /** The simulated cameras' HTTP port: the venue file's (18080) by default; `false` runs without cameras. */
  cameraPort?: number | false;
  /** Recorded segment length, seconds (the edge's default, 10, unless given). */
  segmentS?: number;
  logger: Logger;
}

export interface DemoVenue {
  edge: VenueRuntime;
  simulators: VenueSimulators;
  session: { session: string; experts: DemoExpert[] };
  /** The simulated cameras, or null with `camerasNote` saying why there are none. */
  cameras: CameraFarm | null;
  camerasNote: string;
  /** Devices, edge, then cameras (the edge's recorders read from the cameras until they stop). */
  stop(): Promise<void>;
}

/** Starts the demo: simulated cameras, the edge recording them, a simulator per device, today's sample session. */
export async function startDemoVenue(options: DemoVenueOptions): Promise<DemoVenue> {
  let venue = typeof options.venue === 'string' ? loadVenue(venueFile(options.venue)) : options.venue;
  const port = options.cameraPort ?? venueCameraPort(venue);
  let cameras: DemoCameras | null = null;
  let camerasNote: string;
  const missing = missingVideoTools();
  if (port === false) camerasNote = 'none: switched off';
  else if (port === undefined) camerasNote = 'none: the venue file has no camera on 127.0.0.1';
  else if (missing.length) camerasNote = `${missing.join(' and ')} not found: the demo runs without cameras`;
  else {
    cameras = await startDemoCameras(venue, port);
    venue = cameras.venue;
    const { httpPort, rtspPort } = cameras.farm;
    camerasNote =
      `${cameras.ids.length} simulated and recorded: ONVIF http://127.0.0.1:${httpPort}/<camera>/onvif/device_service,` +
      ` RTSP rtsp://127.0.0.1:${rtspPort}/<camera>`;
  }

  const edge = await startVenue({
    venue,
    dataDir: options.dataDir,
    bus: {
      kind: 'embedded',
      host: '127.0.0.1',
      port: options.mqtt,
      wsPort: options.mqttWs,
      tlsPort: options.mqttTls,
      wssPort: options.mqttWss,
    },
    // The demo is a development edge on loopback: plain HTTP, which a site edge never serves.
    http: { host: '127.0.0.1', port: options.http, plain: true },
    settings: {
      ...cameras?.edgeSettings,
      // 8 cameras record ~0.5 GB an hour; a demo left running keeps its newest 2 GB.
      video: { quotaGb: DEMO_VIDEO_QUOTA_GB, ...(options.segmentS ? { segmentS: options.segmentS } : {}) },
      // The demo's first start makes the administrator with the demo password (a real venue's is random).
      adminPassword: DEMO_USERS.find((u) => u.role === 'administrator')!.password,
    },
    logger: options.logger,
  }).catch(async (err: Error) => {
    await cameras?.farm.stop();
    throw err;
  });
  await ensureDemoUsers(new UserStore(edge.db, edge.log));
  const simulators = await startVenueSimulators(edge.venue, {
    brokerUrl: edge.bus.deviceUrl,
    credential: edge.deviceCredential,
  });
  const session = importDemoSession(edge.services, edge.venue);
  return {
    edge,
    simulators,
    session,
    cameras: cameras?.farm ?? null,
    camerasNote,
    async stop() {
      await simulators.stop();
      await edge.stop();
      await cameras?.farm.stop();
    },
  };
}
