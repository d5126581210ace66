import { describe, expect, it } from 'vitest';
import { loadVenue, venueFile } from '../../config/venue-loader.ts';
import type { GuestEvent } from '../../edge/sync/link-wire.ts';
import { projectAlarm } from '../../edge/sync/national-alarm.ts';
import { concernsGuestRoom, type GuestRoomScope, roomPlaces } from './guest-room-rule.ts';

const START = Date.UTC(2026, 11, 7, 1, 0);
const END = START + 3 * 3600_000;
const scope: GuestRoomScope = {
  session: 'JC-REMOTE-1',
  start: START,
  end: END,
  places: new Set(['room-2', 'door-room-2', 'ic-room-2', 'cam-room-2']),
};

function event(over: Partial<GuestEvent>): GuestEvent {
  return {
    seq: 1,
    prevHash: '0',
    hash: '1',
    at: START + 60_000,
    type: 'device.offline',
    session: null,
    subject: null,
    actor: null,
    method: null,
    body: null,
    bodyDigest: 'd',
    ...over,
  };
}

const alarmAt = (place: string | null, at = START + 60_000) =>
  event({
    type: 'alarm.raised',
    at,
    body: { projectAlarm: projectAlarm({ alarmId: 'A-1', kind: 'tailgating', level: 2, at, place }) },
  });

describe('which guest-venue events concern the guest room', () => {
  it.each([
    ['an event naming the session', event({ type: 'checkin.accepted', session: 'JC-REMOTE-1' }), true],
    ['an event of another session', event({ type: 'alarm.raised', session: 'OTHER' }), false],
    ["the guest room's camera going offline", event({ subject: 'cam-room-2' }), true],
    ["the guest room's intercom coming back", event({ type: 'device.online', subject: 'ic-room-2' }), true],
    ["another room's camera going offline", event({ subject: 'cam-room-1' }), false],
    ['a device event without a subject', event({ subject: null }), false],
    ['a camera offline before the session', event({ subject: 'cam-room-2', at: START - 1 }), false],
    ['a camera offline at the scheduled end', event({ subject: 'cam-room-2', at: END }), true],
    ['a camera offline after the session', event({ subject: 'cam-room-2', at: END + 1 }), false],
    ['an alarm at the guest room door', alarmAt('door-room-2'), true],
    ['an alarm placed in the guest room', alarmAt('room-2'), true],
    ['an alarm at another room', alarmAt('room-3'), false],
    ['an alarm without a place', alarmAt(null), false],
    ['an alarm at the room after the session', alarmAt('room-2', END + 60_000), false],
    ['an alarm whose body was withheld', event({ type: 'alarm.raised', subject: 'room-2', body: null }), false],
    ["the guest room's device alarm resolved", event({ type: 'alarm.resolved', subject: 'ic-room-2' }), true],
    ["another room's device alarm acknowledged", event({ type: 'alarm.acknowledged', subject: 'ic-room-1' }), false],
    ["another kind of event at the room's door", event({ type: 'door.opened', subject: 'door-room-2' }), false],
  ])('%s', (_name, e, concerns) => {
    expect(concernsGuestRoom(e, scope)).toBe(concerns);
  });
});

describe("a guest room's places in the venue topology", () => {
  it('holds the room, its door, the door controller, its intercom, board and camera, and nothing of other rooms', () => {
    const places = roomPlaces(loadVenue(venueFile('gaoping')), 'room-2');
    expect([...places].sort()).toEqual(['board-room-2', 'cam-room-2', 'door-room-2', 'ic-room-2', 'room-2']);
  });

  it('takes the zones inside the room and what is placed in them, at any depth', () => {
    const places = roomPlaces(
      {
        zones: [
          { id: 'room-9', name: 'r', type: 'evaluation-room', floor: 'f', parent: 'eval', polygon: [] },
          { id: 'nook', name: 'n', type: 'corridor', floor: 'f', parent: 'room-9', polygon: [] },
          { id: 'inner', name: 'i', type: 'corridor', floor: 'f', parent: 'nook', polygon: [] },
          { id: 'eval', name: 'e', type: 'evaluation-zone', floor: 'f', polygon: [] },
        ],
        doors: [{ id: 'd-out', name: 'd', kind: 'room-door', floor: 'f', from: 'inner', to: 'eval', at: [0, 0] }],
        devices: [
          { id: 'ft-out', kind: 'face-terminal', name: 'f', floor: 'f', zone: 'eval', door: 'd-out' },
          { id: 'gate-eval', kind: 'gate', name: 'g', floor: 'f', zone: 'eval' },
        ],
        cameras: [{ id: 'cam-inner', name: 'c', floor: 'f', zone: 'inner', onvif: 'x', dataClass: 'general' }],
      },
      'room-9',
    );
    expect([...places].sort()).toEqual(['cam-inner', 'd-out', 'ft-out', 'inner', 'nook', 'room-9']);
  });
});
