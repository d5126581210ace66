import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/venue-harness.ts';
import { checkSegment, type SegmentCheck } from './segment-check.ts';
import { segmentChecker } from './segment-checker.ts';

const dir = tempDir('halledge-segment-check-');
const file = (name: string) => join(dir, name);

/** Two 2 s segments of an H.264 test pattern, made the way the recorder makes them (segment muxer, mp4). */
beforeAll(() => {
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=10', '-t', '4'],
    ...['-c:v', 'libx264', '-g', '10', '-f', 'segment', '-segment_time', '2', '-segment_format', 'mp4'],
    ...['-reset_timestamps', '1', file('seg-%d.mp4')],
  ]);
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', file('audio.mp4')]);
});

// The recorder and crash recovery check in the worker thread; the same cases must come out the same there.
const checkers: [string, (path: string) => Promise<SegmentCheck>][] = [
  ['in process', checkSegment],
  ['in the worker thread', (path) => segmentChecker.check(path)],
];

describe.each(checkers)('segment check %s', (_where, check) => {
  it('accepts a recorded segment with its duration, codec, size and SHA-256', async () => {
    const bytes = readFileSync(file('seg-0.mp4'));
    const result = await check(file('seg-0.mp4'));
    expect(result).toEqual({
      ok: true,
      durationS: expect.closeTo(2, 0),
      codec: expect.stringMatching(/^avc1\./),
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  });

  it('refuses a file cut short or cut in the middle, one without video, and one that is not MP4, saying why', async () => {
    const whole = readFileSync(file('seg-1.mp4'));
    // The segment muxer writes the movie header last: cut anywhere, the header or samples are missing.
    writeFileSync(file('cut-early.mp4'), whole.subarray(0, Math.floor(whole.length / 2)));
    writeFileSync(file('cut-late.mp4'), whole.subarray(0, whole.length - 40));
    writeFileSync(file('text.mp4'), 'not a video at all');
    // Media bytes cut out of the middle, the movie header kept: the header is no longer where the boxes say.
    const middle = Math.floor(whole.length / 2);
    writeFileSync(file('cut-middle.mp4'), Buffer.concat([whole.subarray(0, middle), whole.subarray(middle + 1000)]));
    const reasons = await Promise.all(
      ['cut-early.mp4', 'cut-late.mp4', 'audio.mp4', 'text.mp4', 'missing.mp4', 'cut-middle.mp4'].map(async (name) => {
        const result = await check(file(name));
        expect(result.ok).toBe(false);
        return result.ok ? '' : result.reason;
      }),
    );
    expect(reasons[0]).toMatch(/moov|truncated/);
    expect(reasons[1]).toMatch(/moov|truncated|stbl|box/i);
    expect(reasons[2]).toBe('no video track');
    expect(reasons[3]).toMatch(/moov|MP4/);
    expect(reasons[4]).toMatch(/^unreadable: .*ENOENT/);
    expect(reasons[5]).toMatch(/moov|truncated|Invalid data/);
  });
});
