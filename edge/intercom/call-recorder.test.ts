import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PCMU_FRAME } from '../../devices/intercom/rtp.ts';
import { linearToMulaw } from '../../simulators/intercom/g711.ts';
import { channelLevels, probeAudio } from '../../test/audio.ts';
import { tempDir } from '../../test/venue-harness.ts';
import { CallRecorder, sha256File } from './call-recorder.ts';

const tone = (hz: number, frame: number) =>
  Buffer.from(
    Array.from({ length: PCMU_FRAME }, (_, i) =>
      linearToMulaw(8000 * Math.sin((2 * Math.PI * hz * (frame * PCMU_FRAME + i)) / 8000)),
    ),
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('call recorder', () => {
  it('puts the station on the left channel and the console on the right, as long as the call was up', async () => {
    const file = join(tempDir(), 'call.ogg');
    const recorder = new CallRecorder(file);
    // The station talks throughout; the console says nothing.
    for (let frame = 0; frame < 60; frame++) {
      recorder.push('station', tone(440, frame));
      await sleep(20);
    }
    const recording = await recorder.stop();
    expect(recording).toMatchObject({ file });
    expect(await sha256File(file)).toBe(recording!.sha256);
    const probe = probeAudio(file);
    expect(probe).toMatchObject({ codec: 'opus', channels: 2 });
    // 60 pushes 20 ms apart: at least 1.2 s of call; the file holds exactly the audio the recorder's clock wrote.
    expect(recording!.seconds).toBeGreaterThanOrEqual(1.2);
    expect(Math.abs(probe.duration - recording!.seconds)).toBeLessThan(0.1);
    const [left, right] = channelLevels(file);
    expect(left).toBeGreaterThan(-25);
    expect(right).toBeLessThan(-60);
  });

  it('leaves no file for a call in which nobody spoke', async () => {
    const file = join(tempDir(), 'silent.ogg');
    const recorder = new CallRecorder(file);
    await sleep(200);
    expect(await recorder.stop()).toBeNull();
    expect(existsSync(file)).toBe(false);
  });
});
