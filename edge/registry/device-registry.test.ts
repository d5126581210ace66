import { describe, expect, it } from 'vitest';
import { loadVenue, venueFile } from '../../config/venue-loader.ts';
import { AlarmEngine } from '../alerts/alarms.ts';
import { openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import { DeviceRegistry } from './device-registry.ts';

const venue = loadVenue(venueFile('qinshui')); // heartbeat 10 s (offline after 30 s), restart grace 60 s
const S = 1000;

/** An edge that ran with gate-entrance, gate-exit and rtls-1 online, then stopped; `restart` starts it again at t. */
function venueThatRan() {
  const log = new EventLog(openDatabase(':memory:'), venue.id);
  const alarms = new AlarmEngine(log);
  const before = new DeviceRegistry(venue, log, alarms, 0);
  for (const id of ['gate-entrance', 'gate-exit', 'rtls-1']) before.heard(id, 0);
  const offline = () => log.query({ type: 'device.offline' }).map((e) => `${e.subject} ${e.data.reason}`);
  const raised = () => log.query({ type: 'alarm.raised' }).map((e) => `${e.data.kind} ${e.subject}`);
  return { log, alarms, before, offline, raised, restart: (t: number) => new DeviceRegistry(venue, log, alarms, t) };
}

describe('device health across a planned edge restart (injected time)', () => {
  it('last wills while the edge stops are not device failures', () => {
    const v = venueThatRan();
    v.before.stop();
    for (const id of ['gate-entrance', 'gate-exit', 'rtls-1']) v.before.markOffline(id, 'last-will');
    expect(v.offline()).toEqual([]);
    expect(v.raised()).toEqual([]);
  });

  // [seconds after the start, devices heard then] → device.offline records (device reason) by the end.
  const cases: { name: string; steps: [number, string[]][]; expected: string[] }[] = [
    {
      name: 'devices back within the grace raise nothing, even when that takes longer than three heartbeats',
      steps: [
        [45, ['gate-entrance', 'gate-exit']],
        [50, ['rtls-1']],
        [70, ['gate-entrance', 'gate-exit', 'rtls-1']],
      ],
      expected: [],
    },
    {
      name: 'a device not back when the grace ends is offline then, and only then',
      steps: [
        [5, ['gate-entrance', 'rtls-1']],
        [30, ['gate-entrance', 'rtls-1']],
        [59, ['gate-entrance', 'rtls-1']],
        [60, ['gate-entrance', 'rtls-1']],
        [61, []],
      ],
      expected: ['gate-exit not-back-after-restart'],
    },
    {
      name: 'one back, then silent, is judged by its heartbeats as before',
      steps: [
        [5, ['gate-entrance', 'gate-exit', 'rtls-1']],
        [30, ['gate-exit', 'rtls-1']],
        [36, ['gate-exit', 'rtls-1']],
      ],
      expected: ['gate-entrance heartbeat-timeout'],
    },
  ];
  for (const k of cases)
    it(k.name, () => {
      const v = venueThatRan();
      v.before.stop();
      const T0 = 1_000_000;
      const registry = v.restart(T0);
      for (const [s, heard] of k.steps) {
        for (const id of heard) registry.heard(id, T0 + s * S);
        registry.checkHeartbeats(T0 + s * S);
      }
      expect(v.offline()).toEqual(k.expected);
      expect(v.raised()).toEqual(k.expected.map((line) => `device-offline ${line.split(' ')[0]}`));
    });
});

describe('camera health from the recorder (cameras send no heartbeats)', () => {
  it('is online while segments arrive and offline when the recorder declares it so, with no second alarm', () => {
    const log = new EventLog(openDatabase(':memory:'), venue.id);
    const registry = new DeviceRegistry(venue, log, new AlarmEngine(log), 0);
    registry.cameraRecording('cam-hall', true, 1 * S);
    expect(registry.get('cam-hall')).toMatchObject({ kind: 'camera', online: true });
    registry.cameraRecording('cam-hall', true, 2 * S); // every resumed recording says so; recorded once
    registry.cameraRecording('cam-hall', false);
    expect(registry.get('cam-hall')?.online).toBe(false);
    expect(log.query({ type: 'device.online' }).map((e) => e.subject)).toEqual(['cam-hall']);
    expect(log.query({ type: 'device.offline' }).map((e) => [e.subject, e.data.reason])).toEqual([
      ['cam-hall', 'camera-unreachable'],
    ]);
    // The recorder raised camera-offline itself: no device-offline on top of it.
    expect(log.query({ type: 'alarm.raised' })).toEqual([]);
    // Heartbeat checks leave cameras alone.
    registry.checkHeartbeats(3600 * S);
    expect(log.query({ type: 'device.offline' })).toHaveLength(1);
  });
});
