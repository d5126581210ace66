import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rtspTimeoutOption } from '../../devices/camera/video-tools.ts';
import { tempDir } from '../../test/venue-harness.ts';
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

// An RTSP server that accepts and never answers: ffmpeg waits on it, so its command line stays readable.
const silent = createServer(() => {});

afterAll(async () => {
  await video.stop();
  db.close();
  silent.close();
});

describe('recorder options left unset', () => {
  it('give ffmpeg the defaults (10 s segments over RTSP/TCP), not "undefined"', async () => {
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    const { port } = silent.address() as AddressInfo;
    const recorder = video.record('cam-x', `rtsp://127.0.0.1:${port}/cam-x`);
    const args = readFileSync(`/proc/${recorder.pid}/cmdline`, 'utf8').split('\0');
    expect(args[args.indexOf('-segment_time') + 1]).toBe('10');
    expect(args[args.indexOf('-rtsp_transport') + 1]).toBe('tcp');
    expect(args[args.indexOf(rtspTimeoutOption()) + 1]).toBe('24000000');
  });
});
