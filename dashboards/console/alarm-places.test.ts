import { describe, expect, it } from 'vitest';
import { alarmMarks, camerasOf, type Places, roomOf } from './alarm-places.ts';
import type { Alarm } from './types.ts';

const places: Places = {
  zones: [
    { id: 'zone', type: 'evaluation-zone' },
    { id: 'corridor', type: 'corridor' },
    { id: 'room-1', type: 'evaluation-room' },
    { id: 'room-2', type: 'evaluation-room' },
  ],
  doors: [
    { id: 'door-room-1', from: 'corridor', to: 'room-1' },
    { id: 'door-zone', from: 'hall', to: 'zone' },
  ],
  sessions: [{ id: 'S2', room: 'room-2' }],
  devices: [
    { id: 'door-ctl-1', room: null, door: 'door-room-1' },
    { id: 'intercom-2', room: 'room-2' },
  ],
};

const alarm = (over: Partial<Alarm>): Alarm => ({
  id: 'a',
  kind: 'k',
  level: 1,
  subject: 'x',
  session: null,
  state: 'raised',
  details: {},
  raisedAt: 0,
  acknowledgedBy: null,
  acknowledgedAt: null,
  resolvedBy: null,
  resolvedAt: null,
  note: null,
  ...over,
});

describe('where an alarm is', () => {
  it.each([
    [
      'a forced room door names the room it opens into',
      alarm({ kind: 'forced-open', subject: 'door-room-1' }),
      'room-1',
    ],
    ['a door into no room names none', alarm({ kind: 'held-open', subject: 'door-zone' }), null],
    ['the session decides first', alarm({ subject: 'door-room-1', session: 'S2' }), 'room-2'],
    ['a device in a room', alarm({ kind: 'device-offline', subject: 'intercom-2' }), 'room-2'],
    [
      'a person refused at a room door (door in the details)',
      alarm({ subject: 'E1', details: { door: 'door-room-1' } }),
      'room-1',
    ],
    ['a room named in the details', alarm({ subject: 'E1', details: { room: 'room-2' } }), 'room-2'],
    ['nothing known', alarm({ subject: 'E1' }), null],
  ] as const)('%s', (_name, a, room) => {
    expect(roomOf(a, places)).toBe(room);
  });

  it('marks each map object with its highest open level; resolved alarms draw nothing', () => {
    const marks = alarmMarks(
      [
        alarm({ id: '1', kind: 'forced-open', level: 3, subject: 'door-room-1', details: { device: 'door-ctl-1' } }),
        alarm({ id: '2', kind: 'phone-not-deposited', level: 2, subject: 'E1', session: 'S2' }),
        alarm({ id: '3', kind: 'held-open', level: 1, subject: 'door-room-1' }),
        alarm({ id: '4', kind: 'stranger', level: 3, subject: 'E9', session: 'S2', state: 'resolved' }),
      ],
      places,
    );
    expect(Object.fromEntries(marks.zones)).toEqual({ 'room-1': 3, 'room-2': 2 });
    expect(Object.fromEntries(marks.doors)).toEqual({ 'door-room-1': 3 });
    expect(Object.fromEntries(marks.devices)).toEqual({ 'door-ctl-1': 3 });
  });

  it.each([
    ['the room’s own camera', 'room-1', ['cam-room-1']],
    ['a room without one: the cameras of the zone around it', 'room-2', ['cam-zone']],
    ['no room: none', null, []],
  ] as const)('linked camera: %s', (_name, room, ids) => {
    const cameras = [
      { id: 'cam-room-1', zone: 'room-1' },
      { id: 'cam-zone', zone: 'zone' },
    ];
    const zones = [{ id: 'room-1', parent: 'zone' }, { id: 'room-2', parent: 'zone' }, { id: 'zone' }];
    expect(camerasOf(room, cameras, zones).map((c) => c.id)).toEqual(ids);
  });
});
