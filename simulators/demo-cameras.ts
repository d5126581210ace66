// The demo's cameras: one CameraFarm simulating every camera of the venue file, and the settings the demo's edge
// records them with (docs/video.md: recording is off unless asked).

import type { PartialSettings } from '../app/start-venue.ts';
import type { Venue } from '../config/schema.ts';
import { CameraFarm } from './camera/camera-farm.ts';

/**
 * Small and slow on purpose: the demo shares two cores with everything else. At 320×180, 5 fps each live
 * encoder costs about 1 % of a core (Jincheng's 8 cameras: ~8 %, docs/video.md), and keeps the wall-clock time
 * burned in, so replayed footage shows when it was filmed.
 */
const DEMO_CAMERA = { width: 320, height: 180, fps: 5 };

/** The HTTP port the venue file's simulated cameras are addressed on (18080 in every venue file). */
export function venueCameraPort(venue: Venue): number | undefined {
  const loopback = venue.cameras.map((c) => new URL(c.onvif)).find((u) => u.hostname === '127.0.0.1');
  return loopback ? Number(loopback.port || 80) : undefined;
}

export interface DemoCameras {
  farm: CameraFarm;
  /** The simulated cameras' ids. */
  ids: string[];
  /** The venue with its cameras addressed at the farm (the same addresses when the farm took the file's port). */
  venue: Venue;
  /** What the edge needs to record the farm's cameras. */
  edgeSettings: PartialSettings;
}

/** Starts a simulated camera for each camera of the venue file on 127.0.0.1, on `port` (0: any free port). */
export async function startDemoCameras(venue: Venue, port: number): Promise<DemoCameras> {
  const simulated = venue.cameras.filter((c) => new URL(c.onvif).hostname === '127.0.0.1');
  const farm = new CameraFarm({
    cameras: simulated.map((c) => ({ id: c.id, ...DEMO_CAMERA })),
    httpPort: port,
    discovery: false,
  });
  try {
    await farm.start();
    await farm.streamsReady();
  } catch (err) {
    await farm.stop();
    const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new Error(
      inUse
        ? `camera port ${port} is in use (another: --camera-port <port>; none: --no-cameras)`
        : `simulated cameras: ${(err as Error).message}`,
    );
  }
  const ids = new Set(simulated.map((c) => c.id));
  return {
    farm,
    ids: [...ids],
    venue: {
      ...venue,
      cameras: venue.cameras.map((c) => (ids.has(c.id) ? { ...c, onvif: farm.deviceServiceUrl(c.id) } : c)),
    },
    edgeSettings: {
      recordAll: true,
      camera: { ...farm.credentials },
    },
  };
}
