import { signal } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatTime } from '../../i18n/index.ts';
import { type CameraOverview, healthOf, roomsFirst, useCameraOverview } from '../camera-overview.ts';
import { healthText, LiveVideo, showsLive } from '../components/live-tile.tsx';
import { tp } from '../panel-messages.ts';
import { zoneName } from '../venue-labels.ts';
import { tw } from '../wall-messages.ts';
import './panels.css';

/** Tiles per side: 1×1, 2×2, 3×3, 4×4 (kept per browser, as NVR clients do). */
export const LAYOUTS = [1, 2, 3, 4] as const;
const LAYOUT_KEY = 'halledge.cameras.layout';
const layout = signal<number>(Number(globalThis.localStorage?.getItem(LAYOUT_KEY)) || 3);
const pageIndex = signal(0);

function chooseLayout(n: number): void {
  layout.value = n;
  pageIndex.value = 0;
  globalThis.localStorage?.setItem(LAYOUT_KEY, String(n));
}

/** A tile: live on the substream, the room, and what the recorder honestly reports (docs/console.md). */
export function CameraTile({ camera, onEnlarge }: { camera: CameraOverview; onEnlarge?: () => void }) {
  const health = healthOf(camera);
  return (
    <figure class={`camera-tile status-${health}`} data-camera-tile={camera.id}>
      {showsLive(camera) ? (
        <LiveVideo camera={camera.id} stream="sub" label={camera.name} />
      ) : (
        <div class="no-live">{tp('noLive')}</div>
      )}
      <figcaption>
        <b>{camera.name}</b>
        <span class="hint">{zoneName(camera.zone)}</span>
        {onEnlarge && showsLive(camera) && (
          <button type="button" class="link" data-action="enlarge" onClick={onEnlarge}>
            {tp('enlarge')}
          </button>
        )}
        <span class="camera-status" data-status={health}>
          {healthText(health)}
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
      <LiveVideo camera={camera.id} stream="main" label={camera.name} />
    </div>
  );
}

/**
 * The venue's cameras in an N×N grid (the rooms' first), a page at a time; 全屏 shows the grid
 * alone on the screen; 放大 shows one camera on its main stream.
 */
export function CamerasPage() {
  const cameras = useCameraOverview();
  const [enlarged, setEnlarged] = useState<string | null>(null);
  const [full, setFull] = useState(false);
  const wall = useRef<HTMLElement>(null);
  useEffect(() => {
    const onChange = () => setFull(document.fullscreenElement === wall.current);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);
  if (!cameras) return null;
  if (cameras.length === 0) return <p class="empty">{tp('noCameras')}</p>;
  const n = layout.value;
  const perPage = n * n;
  const pages = Math.max(1, Math.ceil(cameras.length / perPage));
  const index = Math.min(pageIndex.value, pages - 1);
  const shownHere = roomsFirst(cameras).slice(index * perPage, (index + 1) * perPage);
  // A camera that went offline (or away) since it was enlarged closes by itself.
  const shown = cameras.find((c) => c.id === enlarged && showsLive(c));
  const toggleFull = () =>
    document.fullscreenElement ? void document.exitFullscreen() : void wall.current?.requestFullscreen();
  return (
    <section class={`cameras${full ? ' full-screen' : ''}`} ref={wall}>
      {shown && <EnlargedCamera camera={shown} onClose={() => setEnlarged(null)} />}
      <div class="camera-toolbar" role="toolbar" aria-label={tw('layout')}>
        <span>{tw('layout')}</span>
        {LAYOUTS.map((size) => (
          <button
            key={size}
            type="button"
            data-layout={size}
            aria-pressed={size === n}
            class={size === n ? 'active' : ''}
            onClick={() => chooseLayout(size)}
          >
            {tw('layoutN', { n: size })}
          </button>
        ))}
        {pages > 1 && (
          <span class="pager">
            <button
              type="button"
              data-action="previous-page"
              disabled={index === 0}
              onClick={() => (pageIndex.value = index - 1)}
            >
              {tw('previousPage')}
            </button>
            {tw('pageOf', { page: index + 1, pages })}
            <button
              type="button"
              data-action="next-page"
              disabled={index === pages - 1}
              onClick={() => (pageIndex.value = index + 1)}
            >
              {tw('nextPage')}
            </button>
          </span>
        )}
        <button type="button" data-action="full-screen" onClick={toggleFull}>
          {full ? tw('exitFullScreen') : tw('fullScreen')}
        </button>
      </div>
      <div class={`camera-grid layout-${n}`} data-layout={n}>
        {shownHere.map((c) => (
          <CameraTile key={c.id} camera={c} onEnlarge={() => setEnlarged(c.id)} />
        ))}
      </div>
    </section>
  );
}
