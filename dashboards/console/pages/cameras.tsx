import { useEffect, useRef, useState } from 'preact/hooks';
import type { CameraOverview } from '../../../edge/video/footage-replay.ts';
import type { CameraStream } from '../../../edge/video/live-hub.ts';
import { formatTime } from '../../i18n/index.ts';
import { playLive } from '../../live/live-player.ts';
import { tp } from '../panel-messages.ts';
import { zoneName } from '../venue-labels.ts';
import { usePolled } from './use-polled.ts';
import './panels.css';

const STATE_TEXT: Record<string, () => string> = {
  recording: () => tp('cameraRecording'),
  stalled: () => tp('cameraStalled'),
  paused: () => tp('cameraPaused'),
  starting: () => tp('cameraStarting'),
};

/**
 * One live view: the shared live player (fMP4 over WebSocket into MSE) on one of the camera's streams while it is
 * shown. Grid tiles ask for the substream (the edge sends the main stream when the camera has none).
 */
function LiveTile({ camera, stream }: { camera: string; stream: CameraStream }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const player = playLive(
      video.current!,
      `${proto}://${location.host}/api/video/live/${encodeURIComponent(camera)}?stream=${stream}`,
      setError,
    );
    return () => player.close();
  }, [camera, stream]);
  return (
    <>
      <video ref={video} data-camera={camera} data-stream={stream} autoplay muted playsInline />
      {error && <p class="tile-error">{error}</p>}
    </>
  );
}

const showsLive = (camera: CameraOverview) => camera.live && !camera.offline;

function CameraTile({ camera, onEnlarge }: { camera: CameraOverview; onEnlarge: () => void }) {
  const status = camera.offline ? 'offline' : camera.state;
  return (
    <figure class={`camera-tile status-${status}`} data-camera-tile={camera.id}>
      {showsLive(camera) ? <LiveTile camera={camera.id} stream="sub" /> : <div class="no-live">{tp('noLive')}</div>}
      <figcaption>
        <b>{camera.name}</b>
        {showsLive(camera) && (
          <button type="button" class="link" data-action="enlarge" onClick={onEnlarge}>
            {tp('enlarge')}
          </button>
        )}
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

/** One camera over the page, on its main stream (full resolution); Esc or 关闭 returns to the grid. */
function EnlargedCamera({ camera, onClose }: { camera: CameraOverview; onClose: () => void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div class="camera-enlarged" role="dialog" aria-label={camera.name} data-enlarged={camera.id}>
      <header>
        <b>{camera.name}</b>
        <span class="hint">{tp('mainStream')}</span>
        <button type="button" data-action="close-enlarged" onClick={onClose}>
          {tp('closeEnlarged')}
        </button>
      </header>
      <LiveTile camera={camera.id} stream="main" />
    </div>
  );
}

/**
 * The venue's cameras by room (zone), each a live tile on the camera's substream with its recording status and
 * last recorded gap; 放大 shows one camera on its main stream.
 */
export function CamerasPage() {
  const cameras = usePolled<CameraOverview[]>('/api/video/overview', 5000);
  const [enlarged, setEnlarged] = useState<string | null>(null);
  if (!cameras) return null;
  if (cameras.length === 0) return <p class="empty">{tp('noCameras')}</p>;
  const zones = [...new Set(cameras.map((c) => c.zone))];
  // A camera that went offline (or away) since it was enlarged closes by itself.
  const shown = cameras.find((c) => c.id === enlarged && showsLive(c));
  return (
    <section class="cameras">
      {shown && <EnlargedCamera camera={shown} onClose={() => setEnlarged(null)} />}
      {zones.map((zone) => (
        <section key={zone} class="camera-zone" data-zone={zone}>
          <h2>{zoneName(zone)}</h2>
          <div class="camera-grid">
            {cameras
              .filter((c) => c.zone === zone)
              .map((c) => (
                <CameraTile key={c.id} camera={c} onEnlarge={() => setEnlarged(c.id)} />
              ))}
          </div>
        </section>
      ))}
    </section>
  );
}
