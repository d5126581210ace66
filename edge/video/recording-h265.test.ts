import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { eventually } from '../../test/venue-harness.ts';
import { videoBed } from '../../test/video-bed.ts';
import { checkSegment } from './segment-check.ts';

// A real H.265 camera (libx265 through the simulator's RTSP relay) and an H.264 one, small and slow.
const { farm, log, video, segs } = videoBed(
  [
    { id: 'cam-h', width: 320, height: 180, fps: 5, codec: 'h265' },
    { id: 'cam-x', width: 320, height: 180, fps: 5 },
  ],
  { recorder: { backoffMs: { min: 300, max: 1000 } } },
);

/**
 * Once `count` segments are indexed: each re-checked from disk, beside its index row's hash and the hash and codec
 * its `video.segment` event logged.
 */
async function recordedSegments(camera: string, count: number) {
  await eventually(
    () => segs(camera).length,
    (n) => n >= count,
    20_000,
  );
  expect(segs(camera).length).toBeGreaterThanOrEqual(count);
  const logged = new Map(
    log
      .query({ type: 'video.segment', limit: 10_000 })
      .filter((e) => e.subject === camera)
      .map((e) => [e.data.file, e.data]),
  );
  return Promise.all(
    segs(camera).map(async (s) => ({
      check: await checkSegment(s.path),
      sha256: createHash('sha256').update(readFileSync(s.path)).digest('hex'),
      indexed: s.sha256,
      logged: logged.get(s.path.split('/').pop()),
    })),
  );
}

describe('recording an H.265 camera', () => {
  it('adopts it over ONVIF as H265 and records validated hvc1 segments whose hashes are in the record', async () => {
    await video.adopt({ id: 'cam-h', onvif: farm.deviceServiceUrl('cam-h') });
    const adopted = log.query({ type: 'video.camera-adopted' }).find((e) => e.subject === 'cam-h');
    expect(adopted?.data.profiles).toMatchObject([{ encoding: 'H265', width: 320, height: 180, fps: 5 }]);

    const checked = await recordedSegments('cam-h', 3);
    for (const c of checked) {
      // HEVC in the sample entry hvc1 (tagged for Apple's players), not ffmpeg's default hev1.
      expect(c.check).toMatchObject({ ok: true, codec: expect.stringMatching(/^hvc1\.1\./) });
      expect(c.check.ok && c.check.durationS).toBeGreaterThan(1);
      expect(c.indexed).toBe(c.sha256);
      expect(c.logged).toMatchObject({ sha256: c.sha256, codec: c.check.ok ? c.check.codec : '' });
    }
  }, 40_000);

  it('records an H.264 camera with the same arguments as avc1: the hvc1 tag applies to HEVC only', async () => {
    await video.adopt({ id: 'cam-x', onvif: farm.deviceServiceUrl('cam-x') });
    const checked = await recordedSegments('cam-x', 2);
    for (const c of checked) {
      expect(c.check).toMatchObject({ ok: true, codec: expect.stringMatching(/^avc1\./) });
      expect(c.logged).toMatchObject({ sha256: c.sha256, codec: c.check.ok ? c.check.codec : '' });
    }
    // ffmpeg took the tag without complaint: its first run recorded, no restart, no gap alarm.
    expect(log.query({ type: 'alarm.raised' }).filter((e) => e.subject === 'cam-x')).toEqual([]);
    const runs = log
      .query({ type: 'video.segment', limit: 10_000 })
      .filter((e) => e.subject === 'cam-x')
      .map((e) => e.data.run);
    expect(new Set(runs).size).toBe(1);
  }, 40_000);

  it('refuses an H.265 camera in a farm that loops pre-encoded clips, which are H.264', async () => {
    const loop = new CameraFarm({ cameras: [{ id: 'cam-l', codec: 'h265' }], source: 'loop', discovery: false });
    await expect(loop.start()).rejects.toThrow("cameras: codec 'h265' needs source 'live'");
  });
});
