import { useEffect, useRef, useState } from 'preact/hooks';
import type { CameraStream } from '../../../edge/video/live-hub.ts';
import { playLive } from '../../live/live-player.ts';
import type { CameraHealth } from '../camera-health.ts';
import { type CameraOverview, healthOf } from '../camera-overview.ts';
import { tp } from '../panel-messages.ts';
import { tw } from '../wall-messages.ts';

/** The shared live player on a WebSocket path of this console's edge while the element is shown. */
function useLivePlayer(path: string) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const player = playLive(video.current!, `${proto}://${location.host}${path}`, setError);
    return () => player.close();
  }, [path]);
  return { video, error };
}

/**
 * One live view: the shared live player (fMP4 over WebSocket into MSE) on one of the camera's streams while it is
 * shown. Tiles ask for the substream (the edge sends the main stream when the camera has none).
 */
export function LiveVideo({ camera, stream, label }: { camera: string; stream: CameraStream; label?: string }) {
  const { video, error } = useLivePlayer(`/api/video/live/${encodeURIComponent(camera)}?stream=${stream}`);
  return (
    <>
      <video ref={video} data-camera={camera} data-stream={stream} aria-label={label} autoplay muted playsInline />
      {error && <p class="tile-error">{error}</p>}
    </>
  );
}

/**
 * 远程异地: a guest room's live view (its substream), relayed from the guest venue through the city hub; the
 * host edge lets only the session's staff open it.
 */
export function GuestRoomVideo({ session, venue, label }: { session: string; venue: string; label: string }) {
  const { video, error } = useLivePlayer(
    `/api/remote/sessions/${encodeURIComponent(session)}/guests/${encodeURIComponent(venue)}/live`,
  );
  return (
    <>
      <video ref={video} data-guest-venue={venue} aria-label={label} autoplay muted playsInline />
      {error && <p class="tile-error">{error}</p>}
    </>
  );
}

const HEALTH_TEXT: Record<CameraHealth, () => string> = {
  recording: () => tp('cameraRecording'),
  stalled: () => tp('cameraStalled'),
  paused: () => tp('cameraPaused'),
  starting: () => tp('cameraStarting'),
  'not-recording': () => tp('cameraNotRecording'),
  offline: () => tp('cameraOffline'),
  unknown: () => tw('cameraUnknown'),
};

export const healthText = (health: CameraHealth) => HEALTH_TEXT[health]();

/** Live view only where the edge has the stream and the console still reaches the edge. */
export const showsLive = (camera: CameraOverview) => camera.live && !camera.offline && healthOf(camera) !== 'unknown';
