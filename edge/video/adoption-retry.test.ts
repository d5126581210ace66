import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/venue-harness.ts';
import { videoBed } from '../../test/video-bed.ts';

const { farm, alarms, log, video } = videoBed([
  { id: 'cam-x', width: 320, height: 180 },
  { id: 'cam-y', width: 320, height: 180 },
]);

describe('adoption retries', () => {
  it('retries a refusing camera until it answers (in the room it was moved to meanwhile), and a forgotten camera is not retried', async () => {
    // Both cameras refuse the password at first; the credentials are fixed in place later.
    const creds = { username: farm.credentials.username, password: 'wrong' };
    video.adoptAll(
      ['cam-x', 'cam-y'].map((id) => ({ id, onvif: farm.deviceServiceUrl(id), zone: 'room-1', credentials: creds })),
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
    await new Promise((r) => setTimeout(r, 1200)); // several retry periods
    expect(video.recorder('cam-x')).toBeUndefined();
    expect(log.query({ type: 'video.camera-adopted' }).map((e) => e.subject)).toEqual(['cam-y']);
    expect(alarms.openFor('camera-offline', 'cam-x')).toBeNull();
  }, 30_000);
});
