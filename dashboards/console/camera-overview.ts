import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { CameraOverview } from '../../edge/video/footage-replay.ts';
import { request } from './api.ts';
import { type CameraHealth, cameraHealth } from './camera-health.ts';
import { feedLive, venue } from './store.ts';

export type { CameraOverview };

/** The venue's cameras with their recorder state (`GET /api/video/overview`), polled while a view shows them. */
export const cameraOverview = signal<CameraOverview[] | null>(null);
/** When the last poll answered; null after one failed (the console has lost the edge). */
const polledAt = signal<number | null>(null);

const POLL_MS = 5000;
let watchers = 0;
let timer: ReturnType<typeof setInterval> | null = null;

async function poll(): Promise<void> {
  try {
    cameraOverview.value = await request<CameraOverview[]>('/api/video/overview');
    polledAt.value = Date.now();
  } catch {
    polledAt.value = null;
  }
}

/** Keeps the overview polled while the calling component is shown (one poll for every view on screen). */
export function useCameraOverview(): CameraOverview[] | null {
  useEffect(() => {
    if (watchers++ === 0) {
      void poll();
      timer = setInterval(() => void poll(), POLL_MS);
    }
    return () => {
      if (--watchers === 0 && timer) {
        clearInterval(timer);
        timer = null;
      }
    };
  }, []);
  return cameraOverview.value;
}

/** A camera's honest state now: unknown while the feed or the last poll failed. */
export function healthOf(camera: CameraOverview): CameraHealth {
  return cameraHealth(camera, { reachable: feedLive.value, polledAt: polledAt.value });
}

/** The evaluation rooms' cameras first (what a witness watches), then the rest, each group in the overview's order. */
export function roomsFirst(cameras: readonly CameraOverview[]): CameraOverview[] {
  const rooms = new Set((venue.value?.zones ?? []).filter((z) => z.type === 'evaluation-room').map((z) => z.id));
  return [...cameras].sort((a, b) => Number(rooms.has(b.zone)) - Number(rooms.has(a.zone)));
}
