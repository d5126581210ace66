import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/venue-harness.ts';
import { videoBed } from '../../test/video-bed.ts';

const { farm, alarms, log, video } = videoBed([
  { id: 'cam-x', width: 320, height: 180 },
  { id: 'cam-y', width: 320, height: 180 },
]);

// A camera whose ONVIF service is down (503) for good: each adoption attempt is one request, so its count is the
// retry periods that have passed, as the video service's own timers count them.
let attemptsOfDownCamera = 0;
const downCamera = createServer((req, res) => {
  attemptsOfDownCamera++;
  req.resume();
  res.writeHead(503).end();
});
beforeAll(() => new Promise<void>((ok) => downCamera.listen(0, '127.0.0.1', ok)));
afterAll(() => new Promise<void>((ok) => downCamera.close(() => ok())));

describe('adoption retries', () => {
  it('retries a refusing camera until it answers (in the room it was moved to meanwhile), and a forgotten camera is not retried', async () => {
    // Both cameras refuse the password at first; the credentials are fixed in place later.
    const creds = { username: farm.credentials.username, password: 'wrong' };
    const down = `http://127.0.0.1:${(downCamera.address() as AddressInfo).port}/cam-down/onvif/device_service`;
    video.adoptAll(
      [
        ...['cam-x', 'cam-y'].map((id) => ({
          id,
          onvif: farm.deviceServiceUrl(id),
          zone: 'room-1',
          credentials: creds,
        })),
        { id: 'cam-down', onvif: down },
      ],
      300,
    );
    await eventually(
      () => ['cam-x', 'cam-y'].map((c) => alarms.openFor('camera-offline', c)),
      (open) => open.every((a) => a !== null),
      10_000,
    );
    expect(alarms.openFor('camera-offline', 'cam-x')).not.toBeNull();

    await video.forget('cam-x');
    expect(alarms.openFor('camera-offline', 'cam-x')).toBeNull();
    expect(video.camerasIn('room-1')).toEqual(['cam-y']);
    // Moved while it is being retried: the retry (which still carries room-1) must not put it back.
    video.move('cam-y', 'room-2');
    creds.password = farm.credentials.password;

    // cam-y's retry succeeds (so cam-x's would have too): it records and its alarm clears.
    await eventually(
      () => video.recorder('cam-y'),
      (r) => r !== undefined,
      5000,
    );
    await eventually(
      () => alarms.openFor('camera-offline', 'cam-y'),
      (a) => a === null,
      5000,
    );
    expect(alarms.openFor('camera-offline', 'cam-y')).toBeNull();
    expect(video.placement('cam-y')?.zone).toBe('room-2');
    expect(video.camerasIn('room-1')).toEqual([]);
    // Several retry periods: a forgotten camera still retried would have been adopted by now (its password works).
    const periodsFrom = attemptsOfDownCamera;
    await eventually(
      () => attemptsOfDownCamera,
      (n) => n >= periodsFrom + 4,
      30_000,
      'four more attempts at the down camera',
    );
    expect(video.recorder('cam-x')).toBeUndefined();
    expect(log.query({ type: 'video.camera-adopted' }).map((e) => e.subject)).toEqual(['cam-y']);
    expect(alarms.openFor('camera-offline', 'cam-x')).toBeNull();
  }, 90_000);
});
