import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtspTimeoutOption } from '../../devices/camera/video-tools.ts';
import { CameraFarm } from '../../simulators/camera/camera-farm.ts';
import { eventually, tempDir } from '../../test/venue-harness.ts';
import { AlarmEngine } from '../alerts/alarms.ts';
import { openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import { VideoService } from './video-service.ts';

const dataDir = tempDir('halledge-recorder-defaults-');
const db = openDatabase(join(dataDir, 'edge.db'));
const log = new EventLog(db, 'qinshui');
// As startServices builds it when HALLEDGE_VIDEO_SEGMENT_S and HALLEDGE_RTSP_TRANSPORT are unset.
const video = new VideoService(
  { db, log, alarms: new AlarmEngine(log), dataDir },
  { segmentS: undefined, rtspTransport: undefined },
);
const farm = new CameraFarm({ cameras: [{ id: 'cam-x', width: 160, height: 90, fps: 5 }], discovery: false });

beforeAll(async () => {
  await farm.start();
  await farm.streamsReady();
});
afterAll(async () => {
  await video.stop();
  await farm.stop();
  db.close();
});

describe('recorder options left unset', () => {
  it('give ffmpeg the defaults (10 s segments, the camera pulled over RTSP/TCP), not "undefined"', async () => {
    const recorder = video.record('cam-x', farm.streamUrl('cam-x'));
    // A process's arguments, or none while it is gone or a zombie (a loaded machine may see a pull that failed
    // and is being started again): the waits below take the first live one.
    const argsOf = (pid: number | undefined) => {
      try {
        return pid === undefined ? [] : readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      } catch {
        return [];
      }
    };
    const pulling = await eventually(
      () => argsOf(video.pulls.pids()[0]),
      (args) => args.includes('-rtsp_transport'),
      30_000,
      'the pull',
    );
    expect(video.pulls.pids()).toHaveLength(1);
    expect(pulling[pulling.indexOf('-rtsp_transport') + 1]).toBe('tcp');
    expect(pulling).toContain(farm.streamUrl('cam-x'));
    const recording = await eventually(
      () => argsOf(recorder.pid),
      (args) => args.includes('-segment_time'),
      30_000,
      'the recorder',
    );
    expect(recording[recording.indexOf('-segment_time') + 1]).toBe('10');
    expect(recording[recording.indexOf(rtspTimeoutOption()) + 1]).toBe('24000000');
  });
});
