/**
 * What a camera tile may honestly say. The overview is polled: when the console has lost the edge (feed down, or
 * the last poll failed) it does not know, and says so instead of showing the last 录像中; a recorder that reports
 * `recording` but whose last segment ended long ago is not recording either.
 */
export type CameraHealth = 'recording' | 'stalled' | 'paused' | 'starting' | 'not-recording' | 'offline' | 'unknown';

export interface CameraStatusInput {
  state: string;
  offline: boolean;
  lastSegmentEnd: number | null;
}

/** A recorder writes a segment every few seconds; a minute without one is not "recording" (edge and console PC share venue time). */
export const SEGMENT_SILENCE_MS = 60_000;

export function cameraHealth(
  camera: CameraStatusInput,
  edge: { reachable: boolean; polledAt: number | null },
): CameraHealth {
  if (!edge.reachable || edge.polledAt === null) return 'unknown';
  if (camera.offline) return 'offline';
  if (camera.state === 'recording') {
    const silent = camera.lastSegmentEnd !== null && edge.polledAt - camera.lastSegmentEnd > SEGMENT_SILENCE_MS;
    return silent ? 'stalled' : 'recording';
  }
  if (camera.state === 'stalled' || camera.state === 'paused' || camera.state === 'starting') return camera.state;
  return 'not-recording';
}

/** A camera is online (devices page) when it delivers video: recording, or starting to. */
export const cameraOnline = (health: CameraHealth) => health === 'recording' || health === 'starting';
