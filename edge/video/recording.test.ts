import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/venue-harness.ts';
import { videoBed } from '../../test/video-bed.ts';
import { Retention } from './retention.ts';
import type { Segment } from './segment-index.ts';

const { farm, log, alarms, video, dataDir, segs } = videoBed(
  [
    { id: 'cam-a', width: 320, height: 180 },
    { id: 'cam-b', width: 320, height: 180 },
  ],
  { recorder: { stallAfterMs: 6000, offlineAfterMs: 9000, backoffMs: { min: 300, max: 2000 } } },
);

beforeAll(async () => {
  await video.adopt({ id: 'cam-a', onvif: farm.deviceServiceUrl('cam-a') });
  await video.adopt({ id: 'cam-b', onvif: farm.deviceServiceUrl('cam-b') });
});

/** Consecutive segments touch, or the hole between them is a recorded gap. */
function assertContinuous(camera: string, segments: Segment[]) {
  const gaps = video.timeline(camera, 0, Date.now() + 60_000).gaps;
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1]!;
    const cur = segments[i]!;
    const hole = cur.start - prev.end;
    if (hole > 1500) expect(gaps).toContainEqual({ from: prev.end, to: cur.start });
    else expect(hole).toBeGreaterThanOrEqual(0);
  }
}

describe('recording two simulated cameras', () => {
  it('records 2 s segments, survives a killed ffmpeg and a camera outage, and logs every hash', async () => {
    await eventually(
      () => Math.min(segs('cam-a').length, segs('cam-b').length),
      (n) => n >= 2,
      20_000,
    );
    expect(segs('cam-a').length).toBeGreaterThanOrEqual(2);
    expect(segs('cam-b').length).toBeGreaterThanOrEqual(2);

    // Fault 1: the recorder's own ffmpeg dies.
    await eventually(
      () => video.recorder('cam-a')!.state,
      (s) => s === 'recording',
      10_000,
    );
    const before = segs('cam-a').length;
    process.kill(video.recorder('cam-a')!.pid!, 'SIGKILL');
    // Fault 2: camera B loses power for 5 s.
    const bBefore = segs('cam-b').length;
    farm.powerOff('cam-b');
    await eventually(
      () => alarms.openFor('recording-gap', 'cam-b'),
      (a) => a !== null,
      10_000,
    );
    expect(alarms.openFor('recording-gap', 'cam-b')).not.toBeNull();
    // The outage's length is the input here, not a wait: off 1.5 s past the alarm, the hole is wider than jitter.
    await new Promise((r) => setTimeout(r, 1500));
    farm.powerOn('cam-b');

    await eventually(
      () => [segs('cam-a').length - before, segs('cam-b').length - bBefore],
      ([a, b]) => a! >= 2 && b! >= 2,
      25_000,
    );
    expect(segs('cam-a').length - before).toBeGreaterThanOrEqual(2);
    expect(segs('cam-b').length - bBefore).toBeGreaterThanOrEqual(2);

    // The outage of B is a gap on the timeline and in the record; its alarm was resolved on recovery.
    const bGaps = video.timeline('cam-b', 0, Date.now()).gaps;
    expect(bGaps.length).toBeGreaterThanOrEqual(1);
    expect(bGaps[0]!.to - bGaps[0]!.from).toBeGreaterThan(1500);
    expect(log.query({ type: 'video.gap' }).some((e) => e.subject === 'cam-b')).toBe(true);
    await eventually(
      () => alarms.openFor('recording-gap', 'cam-b'),
      (a) => a === null,
      5000,
    );
    expect(alarms.openFor('recording-gap', 'cam-b')).toBeNull();

    for (const camera of ['cam-a', 'cam-b']) assertContinuous(camera, segs(camera));

    // Every indexed segment is a file whose SHA-256 is the one in its video.segment event.
    const logged = new Map(
      log.query({ type: 'video.segment', limit: 10_000 }).map((e) => [e.data.file, e.data.sha256]),
    );
    for (const s of [...segs('cam-a'), ...segs('cam-b')]) {
      const sha = createHash('sha256').update(readFileSync(s.path)).digest('hex');
      expect(sha).toBe(s.sha256);
      expect(logged.get(s.path.split('/').pop())).toBe(sha);
    }
  }, 60_000);

  it('keeps footage locked to a session through quota eviction and raises disk-low', async () => {
    const recorders = ['cam-a', 'cam-b'].map((id) => video.recorder(id)!);
    await video.stop(); // no new segments while the index is inspected
    // A stop waits for ffmpeg's last segment (finished on SIGINT) to be checked, hashed, indexed and recorded:
    // every file in the cameras' folders is indexed once it resolves, and every run is settled.
    for (const camera of ['cam-a', 'cam-b']) {
      const dir = join(video.dir, camera);
      const indexed = new Set(segs(camera).map((s) => s.path));
      expect(readdirSync(dir).filter((f) => !indexed.has(join(dir, f)))).toEqual([]);
    }
    expect(video.index.unsettledRuns()).toEqual([]);
    const recorded = log.query({ type: 'video.segment', limit: 10_000 }).length;
    // Stopped stays stopped: the last segment, indexed after the stop, must not restart ffmpeg. stop() resolves once
    // that segment is indexed and the run settled, and the recorder's timers are cleared by then: nothing of the run
    // is left to come, so its state and the record are checked at once.
    expect(recorders.map((r) => r.state)).toEqual(['stopped', 'stopped']);
    expect(log.query({ type: 'video.segment', limit: 10_000 })).toHaveLength(recorded);
    const a = segs('cam-a');
    const locked = a.slice(0, 2);
    const { segments } = video.lockSession(
      'S-2026-001',
      'cam-a',
      locked[0]!.start,
      locked[1]!.end,
      Date.now() + 86_400_000,
    );
    expect(segments).toBe(2);
    expect(() => video.lockSession('S-2026-001', 'cam-a', 10, 5, 20)).toThrow(/to: must be after from/);

    const { deleted, quotaExceededByLocked } = video.retention.sweep(Date.now());
    // No quota configured: only the rolling period applies, and everything is younger than 30 days.
    expect(deleted).toHaveLength(0);
    expect(quotaExceededByLocked).toBe(false);

    const strict = new Retention(video.index, log, alarms, dataDir, { quotaBytes: 0 });
    const result = strict.sweep(Date.now());
    expect(result.deleted.length).toBeGreaterThan(0);
    expect(result.deleted.every((s) => s.lockedSession === null)).toBe(true);
    for (const s of locked) expect(existsSync(s.path)).toBe(true);
    const left = [...segs('cam-a'), ...segs('cam-b')];
    expect(left.every((s) => s.lockedSession === 'S-2026-001')).toBe(true);
    expect(result.quotaExceededByLocked).toBe(true);
    expect(alarms.openFor('disk-low', 'video-storage')).not.toBeNull();
    expect(log.query({ type: 'video.retention' }).at(-1)?.data.reason).toBe('disk-quota');
  });
});
