import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import type { Segment } from '../../edge/video/segment-index.ts';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { api, startTestVenue } from '../../test/venue-harness.ts';
import { waitUntil } from '../../test/wait-until.ts';

const CAMERA = 'cam-room-1';
const farm = new CameraFarm({ cameras: [{ id: CAMERA, width: 320, height: 180, fps: 5 }], discovery: false });
let edge: VenueRuntime;

beforeAll(async () => {
  await farm.start();
  await farm.streamsReady();
  edge = await startTestVenue({ settings: { camera: { rtspTransport: 'udp' }, video: { segmentS: 2 } } });
}, 30_000);

afterAll(async () => {
  await edge?.stop();
  await farm.stop();
});

/**
 * Kills the recording ffmpeg. On a loaded machine the one seen may have just ended by itself (ESRCH): then the
 * next one the recorder starts is killed instead.
 */
async function killRecordingFfmpeg(recorder: { pid: number | undefined }): Promise<void> {
  for (let tries = 0; ; tries++) {
    const pid = await waitUntil(
      'a recording ffmpeg',
      () => recorder.pid,
      (p) => p !== undefined,
      30_000,
    );
    try {
      process.kill(pid!, 'SIGKILL');
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH' || tries >= 3) throw err;
      await waitUntil(
        'the next recording ffmpeg',
        () => recorder.pid,
        (p) => p !== pid,
        30_000,
      );
    }
  }
}

const segments = (): Segment[] => edge.services.video.timeline(CAMERA, 0, Date.now() + 60_000).segments;

describe('a recorder whose ffmpeg is killed mid-recording', () => {
  it('restarts, and the API reports the hole as a gap with its start and end', async () => {
    const recorder = edge.services.video.record(CAMERA, farm.streamUrl(CAMERA));
    await waitUntil(
      'two segments',
      () => segments().length,
      (n) => n >= 2,
      30_000,
    );
    const before = segments();
    await killRecordingFfmpeg(recorder);
    const alarm = await waitUntil(
      'the recording-gap alarm',
      () => edge.alarms.openFor('recording-gap', CAMERA),
      (a) => a !== null,
      10_000,
    );
    // Raised by ffmpeg's exit itself, not by a stall timeout.
    expect(alarm!.details.reason).toBe('ffmpeg exited');
    const after = await waitUntil(
      'two segments from the restarted ffmpeg',
      () => segments().filter((s) => s.start > before.at(-1)!.end),
      (s) => s.length >= 2,
      30_000,
    );
    const lastEnd = Math.max(
      ...segments()
        .filter((s) => s.start < after[0]!.start)
        .map((s) => s.end),
    );
    const hole = { from: lastEnd, to: after[0]!.start };
    // What the killed ffmpeg was writing has no moov: quarantined and recorded, never indexed as footage.
    const quarantined = edge.log.query({ type: 'video.segment-quarantined' });
    expect(quarantined.length).toBeLessThanOrEqual(1);
    for (const q of quarantined) expect(q.data.reason).toMatch(/moov|truncated|not an MP4/);

    const { body } = await api<{ segments: Segment[]; gaps: { from: number; to: number }[] }>(
      edge,
      `/api/video/timeline/${CAMERA}?from=${before[0]!.start}&to=${after.at(-1)!.end}`,
      { role: 'auditor' },
    );
    expect(body.gaps).toEqual([hole]);
    expect(hole.to - hole.from).toBeGreaterThan(1500);
    expect(edge.log.query({ type: 'video.gap' }).map((e) => e.data)).toEqual([{ camera: CAMERA, ...hole }]);
    await waitUntil(
      'the recording-gap alarm to clear',
      () => edge.alarms.openFor('recording-gap', CAMERA),
      (a) => a === null,
      10_000,
    );
  }, 90_000);
});
