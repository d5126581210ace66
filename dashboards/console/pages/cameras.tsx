import { useEffect, useRef, useState } from 'preact/hooks';
import type { CameraOverview } from '../../../hall-server/routes/footage.ts';
import { formatTime } from '../../i18n/index.ts';
import { playLive } from '../../live/live-player.ts';
import { tp } from '../panel-messages.ts';
import { zoneName } from '../venue-labels.ts';
import { usePolled } from './use-polled.ts';
import './panels.css';

const STATE_TEXT: Record<string, () => string> = {
  recording: () => tp('cameraRecording'),
  stalled: () => tp('cameraStalled'),
  starting: () => tp('cameraStarting'),
};

/** One live tile: the shared live player (fMP4 over WebSocket into MSE) on this camera while the tile is shown. */
function LiveTile({ camera }: { camera: string }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const player = playLive(
      video.current!,
      `${proto}://${location.host}/api/video/live/${encodeURIComponent(camera)}`,
      setError,
    );
    return () => player.close();
  }, [camera]);
  return (
    <>
      <video ref={video} data-camera={camera} autoplay muted playsInline />
      {error && <p class="tile-error">{error}</p>}
    </>
  );
}

function CameraTile({ camera }: { camera: CameraOverview }) {
  const status = camera.offline ? 'offline' : camera.state;
  return (
    <figure class={`camera-tile status-${status}`} data-camera-tile={camera.id}>
      {camera.live && !camera.offline ? <LiveTile camera={camera.id} /> : <div class="no-live">{tp('noLive')}</div>}
      <figcaption>
        <b>{camera.name}</b>
        <span class="camera-status" data-status={status}>
          {camera.offline ? tp('cameraOffline') : (STATE_TEXT[camera.state]?.() ?? tp('cameraNotRecording'))}
        </span>
        <span class="hint">
          {tp('lastGap')}:{' '}
          {camera.lastGap ? `${formatTime(camera.lastGap.from)}–${formatTime(camera.lastGap.to)}` : tp('noGap')}
        </span>
      </figcaption>
    </figure>
  );
}

/** The venue's cameras by room (zone), each a live tile with its recording status and last recorded gap. */
export function CamerasPage() {
  const cameras = usePolled<CameraOverview[]>('/api/video/overview', 5000);
  if (!cameras) return null;
  if (cameras.length === 0) return <p class="empty">{tp('noCameras')}</p>;
  const zones = [...new Set(cameras.map((c) => c.zone))];
  return (
    <section class="cameras">
      {zones.map((zone) => (
        <section key={zone} class="camera-zone" data-zone={zone}>
          <h2>{zoneName(zone)}</h2>
          <div class="camera-grid">
            {cameras
              .filter((c) => c.zone === zone)
              .map((c) => (
                <CameraTile key={c.id} camera={c} />
              ))}
          </div>
        </section>
      ))}
    </section>
  );
}
