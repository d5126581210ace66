import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/venue-harness.ts';
import { videoBed } from '../../test/video-bed.ts';
import type { CameraStream, LiveMode, LiveViewer } from './live-hub.ts';

// One camera with a substream, recorded over RTSP/TCP (the default) in 2 s segments.
const { farm, video, alarms, segs } = videoBed([{ id: 'cam-s', width: 320, height: 180, substream: true }], {
  recorder: { backoffMs: { min: 300, max: 2000 } },
});

/** The holes in the camera's footage since `from` (how long its start-up took is not what these tests are about). */
const gapsSince = (from: number) => video.timeline('cam-s', from, Date.now() + 60_000).gaps;

/** A live view of the camera that counts what it is sent. */
function view(mode: LiveMode, stream: CameraStream) {
  const got = { chunks: 0 };
  const viewer: LiveViewer = { start: () => {}, send: () => got.chunks++, ready: () => true, close: () => {} };
  return { got, detach: video.live.watch('cam-s', mode, viewer, stream) };
}

/** Waits until a view has been sent its stream (past the first message). */
const flowing = (v: ReturnType<typeof view>, what: string) =>
  eventually(
    () => v.got.chunks,
    (n) => n > 1,
    30_000,
    `${what} to get its stream`,
  );

describe('one RTSP pull per camera stream', () => {
  it('serves the recorder and every viewer from one session per stream; viewers come, stall and go without touching the recording', async () => {
    video.record('cam-s', farm.streamUrl('cam-s'), { substreamUrl: farm.substreamUrl('cam-s') });
    await eventually(
      () => segs('cam-s').length,
      (n) => n >= 2,
      30_000,
      'two segments',
    );
    const viewing = segs('cam-s').at(-1)!.end;

    // Recorder, an MSE tile and an MPEG-1 tile on the main stream, a grid tile on the substream.
    const views = [view('mse', 'main'), view('mpeg1', 'main'), view('mse', 'sub')];
    await eventually(
      () => views.map((v) => v.got.chunks),
      (counts) => counts.every((n) => n > 1),
      30_000,
      'every view to get its stream',
    );
    // The camera sees one RTSP session per stream (before, main was pulled three times).
    expect(farm.rtspSessions('cam-s', 'main')).toBe(1);
    expect(farm.rtspSessions('cam-s', 'sub')).toBe(1);
    // The edge's relay serves the main stream to the recorder and both tiles, the substream to the grid tile.
    expect(await video.pulls.sessions('cam-s/main')).toEqual({ publishing: true, consumers: 3 });
    expect(await video.pulls.sessions('cam-s/sub')).toEqual({ publishing: true, consumers: 1 });

    // Every live ffmpeg stops reading (SIGSTOP): the recorder's segments keep coming, with no hole.
    const stalled = video.live.pids();
    expect(stalled).toHaveLength(3);
    const before = segs('cam-s').length;
    for (const pid of stalled) process.kill(pid, 'SIGSTOP');
    try {
      await eventually(
        () => segs('cam-s').length,
        (n) => n >= before + 3,
        30_000,
        'segments while viewers stall',
      );
    } finally {
      for (const pid of stalled) process.kill(pid, 'SIGCONT');
    }

    // The viewers leave: the substream's pull ends, the main stream's goes on for the recorder alone.
    for (const v of views) v.detach();
    video.live.stop();
    await eventually(
      () => farm.rtspSessions('cam-s', 'sub'),
      (n) => n === 0,
      15_000,
      'the substream pull to end',
    );
    const left = segs('cam-s').length;
    await eventually(
      () => segs('cam-s').length,
      (n) => n >= left + 2,
      30_000,
      'segments after the viewers left',
    );
    expect(farm.rtspSessions('cam-s', 'main')).toBe(1);
    expect((await video.pulls.sessions('cam-s/main')).consumers).toBe(1);
    expect(gapsSince(viewing)).toEqual([]);
    expect(alarms.openFor('recording-gap', 'cam-s')).toBeNull();
  }, 150_000);

  it('pulls the camera again after it drops: the hole is one gap and the camera still sees one session', async () => {
    const view1 = view('mse', 'main');
    await flowing(view1, 'the view');
    const lit = segs('cam-s').at(-1)!.end;
    farm.powerOff('cam-s');
    await eventually(
      () => alarms.openFor('recording-gap', 'cam-s'),
      (a) => a !== null,
      20_000,
      'the gap alarm',
    );
    const dark = segs('cam-s').length;
    farm.powerOn('cam-s');
    await eventually(
      () => segs('cam-s').length,
      (n) => n >= dark + 2,
      60_000,
      'segments after power returns',
    );
    await eventually(
      () => alarms.openFor('recording-gap', 'cam-s'),
      (a) => a === null,
      20_000,
      'the alarm to clear',
    );
    const [gap, ...more] = gapsSince(lit);
    expect(more).toEqual([]);
    expect(segs('cam-s').some((s) => s.end === gap!.from)).toBe(true);
    expect(segs('cam-s').some((s) => s.start === gap!.to)).toBe(true);
    // The live view ended with the camera; a new one is pulled through the same single session.
    const view2 = view('mse', 'main');
    await flowing(view2, 'a new view');
    expect(farm.rtspSessions('cam-s', 'main')).toBe(1);
    view1.detach();
    view2.detach();
  }, 180_000);
});
