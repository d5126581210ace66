import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/venue-harness.ts';
import { videoBed } from '../../test/video-bed.ts';
import type { LiveViewer } from './live-hub.ts';
import { Mp4BoxSplitter } from './mp4-box-splitter.ts';

// One camera, a keyframe a second: the live stream is one moof+mdat fragment a second.
const { video, farm } = videoBed([{ id: 'cam-live', width: 320, height: 180, fps: 10 }]);

/** A viewer that records what it is sent; `ready` is whether it says it can take more. */
function viewer(ready: () => boolean) {
  const got = { mime: '', chunks: [] as Buffer[], closed: '' };
  const v: LiveViewer = {
    start: (info) => {
      got.mime = info.mime;
    },
    send: (chunk) => got.chunks.push(chunk),
    ready,
    close: (reason) => {
      got.closed = reason;
    },
  };
  return { v, got };
}

/** Whole fragments (moof boxes) a viewer has been sent so far. */
const fragmentsSent = (chunks: Buffer[]) =>
  new Mp4BoxSplitter().push(Buffer.concat(chunks)).filter((p) => p.box === 'moof').length;

/** The top-level box types of a byte stream, in order; throws if it does not cut into whole boxes. */
function boxTypes(bytes: Buffer): string[] {
  const pieces = new Mp4BoxSplitter().push(bytes);
  const types = pieces.flatMap((p) => (p.box ? [p.box] : []));
  const last = pieces.findLast((p) => p.box);
  expect(last?.bytes.readUInt32BE(0)).toBe(last?.bytes.length); // the stream ends on a whole box
  return types;
}

describe('live hub', () => {
  it('sends every viewer whole fragments: one that cannot keep up skips fragments and joins again at the next', async () => {
    video.addCamera('cam-live', farm.streamUrl('cam-live'));
    let backedUp = true;
    const steady = viewer(() => true);
    const slow = viewer(() => !backedUp);
    const detach = [video.live.watch('cam-live', 'mse', steady.v), video.live.watch('cam-live', 'mse', slow.v)];
    // Backed up while the steady viewer is sent four fragments, however long ffmpeg takes to start on a loaded
    // machine; then both take two more.
    await eventually(
      () => fragmentsSent(steady.got.chunks),
      (n) => n >= 4,
      30_000,
      'four fragments to the steady viewer',
    );
    backedUp = false;
    const steadyAtRelease = fragmentsSent(steady.got.chunks);
    await eventually(
      () => [fragmentsSent(steady.got.chunks), fragmentsSent(slow.got.chunks)],
      ([s, w]) => s! >= steadyAtRelease + 2 && w! >= 2,
      30_000,
      'two fragments to each viewer after the slow one caught up',
    );
    for (const d of detach) d();
    video.live.stop();

    for (const { got } of [steady, slow]) {
      expect(got.mime).toMatch(/^video\/mp4; codecs="avc1\.[0-9a-f]{6}"$/);
      expect(got.closed).toBe('');
    }
    const steadyTypes = boxTypes(Buffer.concat(steady.got.chunks));
    const slowTypes = boxTypes(Buffer.concat(slow.got.chunks));
    // Both start with the init segment, then fragments; nothing in between is cut.
    expect(steadyTypes.slice(0, 3)).toEqual(['ftyp', 'moov', 'moof']);
    expect(slowTypes.slice(0, 3)).toEqual(['ftyp', 'moov', 'moof']);
    expect(steadyTypes.slice(2).join(',')).toMatch(/^(moof,mdat,?)+$/);
    expect(slowTypes.slice(2).join(',')).toMatch(/^(moof,mdat,?)+$/);
    const fragments = (types: string[]) => types.filter((t) => t === 'moof').length;
    // The slow viewer got the init at once but no fragment while backed up (the steady one's first four or more).
    expect(fragments(steadyTypes)).toBeGreaterThanOrEqual(5);
    expect(fragments(slowTypes)).toBeGreaterThanOrEqual(1);
    expect(fragments(slowTypes)).toBeLessThanOrEqual(fragments(steadyTypes) - 3);
  }, 90_000);
});
