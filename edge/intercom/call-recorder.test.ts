import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PCMU_FRAME } from '../../devices/intercom/rtp.ts';
import { linearToMulaw } from '../../simulators/intercom/g711.ts';
import { channelLevels, probeAudio } from '../../test/audio.ts';
import { eventually, tempDir } from '../../test/venue-harness.ts';
import { CallRecorder, sha256File } from './call-recorder.ts';

const tone = (hz: number, frame: number) =>
  Buffer.from(
    Array.from({ length: PCMU_FRAME }, (_, i) =>
      linearToMulaw(8000 * Math.sin((2 * Math.PI * hz * (frame * PCMU_FRAME + i)) / 8000)),
    ),
  );
/** 20 ms frames the recorder's clock has written. */
const framesWritten = (recorder: CallRecorder) => Math.round(recorder.seconds / 0.02);
/** The station's audio kept this many frames ahead of the recorder's clock: below its backlog limit (25). */
const LEAD = 10;

describe('call recorder', () => {
  it('puts the station on the left channel and the console on the right, as long as the call was up', async () => {
    const file = join(tempDir(), 'call.ogg');
    const recorder = new CallRecorder(file);
    // The station talks throughout, fed as fast as the recorder's clock takes its audio; the console says nothing.
    let pushed = 0;
    while (pushed < 60) {
      const written = await eventually(
        () => framesWritten(recorder),
        (n) => n + LEAD > pushed,
        20_000,
        'the recorder to take the queued audio',
      );
      for (; pushed < Math.min(60, written + LEAD); pushed++) recorder.push('station', tone(440, pushed));
    }
    await eventually(
      () => framesWritten(recorder),
      (n) => n >= 60,
      20_000,
      'the last frame written',
    );
    const recording = await recorder.stop();
    expect(recording).toMatchObject({ file });
    expect(await sha256File(file)).toBe(recording!.sha256);
    const probe = probeAudio(file);
    expect(probe).toMatchObject({ codec: 'opus', channels: 2 });
    // 60 frames written: at least 1.2 s of call; the file holds exactly the audio the recorder's clock wrote.
    expect(recording!.seconds).toBeGreaterThanOrEqual(1.2);
    expect(Math.abs(probe.duration - recording!.seconds)).toBeLessThan(0.1);
    const [left, right] = channelLevels(file);
    expect(left).toBeGreaterThan(-25);
    expect(right).toBeLessThan(-60);
  });

  it('leaves no file for a call in which nobody spoke', async () => {
    const file = join(tempDir(), 'silent.ogg');
    const recorder = new CallRecorder(file);
    // A call that was up a while: the recorder has written silence, which must not be kept.
    await eventually(
      () => framesWritten(recorder),
      (n) => n >= 10,
      20_000,
      'silent frames written',
    );
    expect(await recorder.stop()).toBeNull();
    expect(existsSync(file)).toBe(false);
  });
});
