import { describe, expect, it } from 'vitest';
import { cameraHealth, cameraOnline, SEGMENT_SILENCE_MS } from './camera-health.ts';

const at = 1_000_000;
const up = { reachable: true, polledAt: at };

describe('what a camera tile may say', () => {
  it.each([
    [
      'recording with a fresh segment',
      { state: 'recording', offline: false, lastSegmentEnd: at - 2000 },
      up,
      'recording',
    ],
    [
      'recording, first segment not in yet',
      { state: 'recording', offline: false, lastSegmentEnd: null },
      up,
      'recording',
    ],
    [
      'says recording but no segment for over a minute',
      { state: 'recording', offline: false, lastSegmentEnd: at - SEGMENT_SILENCE_MS - 1 },
      up,
      'stalled',
    ],
    ['an open camera-offline alarm wins', { state: 'recording', offline: true, lastSegmentEnd: at }, up, 'offline'],
    ['live view only', { state: 'not-recording', offline: false, lastSegmentEnd: null }, up, 'not-recording'],
    ['disk full', { state: 'paused', offline: false, lastSegmentEnd: at - 10 }, up, 'paused'],
    [
      'the edge is down (feed lost): unknown, never 录像中',
      { state: 'recording', offline: false, lastSegmentEnd: at },
      { reachable: false, polledAt: at },
      'unknown',
    ],
    [
      'the last poll failed: unknown',
      { state: 'recording', offline: false, lastSegmentEnd: at },
      { reachable: true, polledAt: null },
      'unknown',
    ],
  ] as const)('%s', (_name, camera, edge, health) => {
    expect(cameraHealth(camera, edge)).toBe(health);
  });

  it('is online on the devices page while it delivers video', () => {
    expect(['recording', 'starting', 'stalled', 'offline', 'unknown'].map((h) => cameraOnline(h as never))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
