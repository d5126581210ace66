// The host's view of a guest room, fed by hand with forwarded events and link states at given times: events kept
// once with their receipt time, the cursor never going back, check-ins and alarms read from the redacted views,
// and a gap from the moment sight was lost to the catch-up, counting what arrived for its time.
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.ts';
import type { GuestEvent } from '../sync/link-wire.ts';
import { GuestView } from './guest-view.ts';

const S = 'REMOTE-1';
const event = (
  seq: number,
  at: number,
  type: string,
  body: Record<string, unknown> | null,
  actor: string | null = null,
): GuestEvent => ({
  seq,
  prevHash: 'p',
  hash: 'h',
  at,
  type,
  session: S,
  subject: null,
  actor,
  method: type === 'checkin.accepted' ? 'id-card+face' : null,
  body,
  bodyDigest: 'd',
});
const alarm = (seq: number, at: number, code: string, handleState = '0') =>
  event(seq, at, 'alarm.raised', {
    projectAlarm: {
      alarmCode: code,
      alarmKind: 'left-zone',
      alarmLevel: '2',
      alarmContent: '离开评标区（room-2）',
      handleState,
    },
  });

describe('guest view (host side)', () => {
  it("shows the guest room's devices by their latest health, and its alarms that name no session", () => {
    const view = new GuestView(openDatabase(':memory:'));
    const noSession = (e: GuestEvent, subject: string | null = null): GuestEvent => ({ ...e, session: null, subject });
    view.receive(
      S,
      'gaoping',
      [
        noSession(
          event(3, 1000, 'device.offline', { kind: 'camera', reason: 'camera-unreachable', lastSeen: 900 }),
          'cam-room-2',
        ),
        noSession(
          event(4, 1100, 'device.offline', { kind: 'intercom', reason: 'last-will', lastSeen: 1000 }),
          'ic-room-2',
        ),
        noSession(alarm(5, 1100, 'A-9'), 'ic-room-2'),
        noSession(event(8, 2000, 'device.online', { kind: 'intercom', reason: 'heartbeat' }), 'ic-room-2'),
        noSession(event(9, 2000, 'alarm.resolved', { alarmId: 'A-9', handleState: '2' }), 'ic-room-2'),
      ],
      2100,
    );
    const room = view.room(S, 'gaoping', 'room-2');
    expect(room.devices).toEqual([
      { device: 'cam-room-2', kind: 'camera', online: false, reason: 'camera-unreachable', at: 1000, receivedAt: 2100 },
      { device: 'ic-room-2', kind: 'intercom', online: true, reason: 'heartbeat', at: 2000, receivedAt: 2100 },
    ]);
    expect(room.alarms.map((a) => [a.alarmId, a.state])).toEqual([['A-9', 'resolved']]);
    expect(room.cursor).toBe(9);
  });

  it('keeps each forwarded event once with when it arrived, and reads check-ins, state and alarms from them', () => {
    const view = new GuestView(openDatabase(':memory:'));
    expect(
      view.receive(S, 'gaoping', [event(5, 1000, 'checkin.accepted', { pseudonym: 'EX-1', seat: 's1' }, 'EX-1')], 1200),
    ).toBe(1);
    expect(
      view.receive(S, 'gaoping', [event(5, 1000, 'checkin.accepted', { pseudonym: 'EX-1', seat: 's1' }, 'EX-1')], 1300),
    ).toBe(0);
    view.receive(
      S,
      'gaoping',
      [event(9, 2000, 'session.state-changed', { from: 'checkin-open', to: 'in-progress' }), alarm(12, 3000, 'A-1')],
      3400,
    );
    view.receive(S, 'gaoping', [event(14, 4000, 'alarm.acknowledged', { alarmId: 'A-1', handleState: '1' })], 4100);
    view.receive(
      S,
      'gaoping',
      [
        event(16, 5000, 'intercom.call-started', { callId: 'c-1', direction: 'from-room', room: 'room-2' }),
        event(17, 6000, 'intercom.call-answered', { callId: 'c-1', console: 'console-1' }),
        event(18, 9000, 'intercom.call-ended', { callId: 'c-1', answered: true, durationS: 3 }),
        event(19, 9500, 'intercom.call-started', { callId: 'c-2', direction: 'from-room', room: 'room-2' }),
      ],
      9600,
    );
    // A live notice may name a later position than the last event of the session: the cursor follows it, never back.
    view.advance(S, 'gaoping', 20);
    view.advance(S, 'gaoping', 15);
    const room = view.room(S, 'gaoping', 'room-2');
    expect(room).toMatchObject({
      venue: 'gaoping',
      room: 'room-2',
      state: 'in-progress',
      events: 8,
      cursor: 20,
      lastEvent: { seq: 19, type: 'intercom.call-started', at: 9500, receivedAt: 9600 },
      gaps: [],
    });
    expect(room.checkins).toEqual([
      { pseudonym: 'EX-1', seat: 's1', method: 'id-card+face', at: 1000, receivedAt: 1200 },
    ]);
    expect(room.alarms).toEqual([
      {
        alarmId: 'A-1',
        kind: 'left-zone',
        level: 2,
        content: '离开评标区（room-2）',
        state: 'acknowledged',
        at: 3000,
        receivedAt: 3400,
      },
    ]);
    expect(room.calls).toEqual([
      {
        callId: 'c-1',
        direction: 'from-room',
        state: 'ended',
        answered: true,
        durationS: 3,
        at: 5000,
        receivedAt: 9600,
      },
      {
        callId: 'c-2',
        direction: 'from-room',
        state: 'ringing',
        answered: false,
        durationS: null,
        at: 9500,
        receivedAt: 9600,
      },
    ]);
    expect(view.room(S, 'qinshui', 'room-3').events).toBe(0);
  });

  it.each([
    {
      what: 'one drop, caught up',
      steps: [
        ['lost', 10_000],
        ['lost', 11_000],
        ['restored', 30_000],
      ],
      gaps: [{ from: 10_000, to: 30_000, caughtUp: 2 }],
    },
    { what: 'restored without a drop', steps: [['restored', 30_000]], gaps: [] },
    { what: 'still out of sight', steps: [['lost', 10_000]], gaps: [{ from: 10_000, to: null, caughtUp: null }] },
    {
      what: 'two drops',
      steps: [
        ['lost', 10_000],
        ['restored', 12_000],
        ['lost', 25_000],
        ['restored', 40_000],
      ],
      gaps: [
        { from: 10_000, to: 12_000, caughtUp: 0 },
        { from: 25_000, to: 40_000, caughtUp: 1 },
      ],
    },
  ] as const)('gaps: $what', ({ steps, gaps }) => {
    const view = new GuestView(openDatabase(':memory:'));
    // What the guest venue recorded meanwhile, delivered in the catch-up.
    view.receive(S, 'gaoping', [alarm(3, 14_000, 'A-1'), alarm(4, 26_000, 'A-2')], 31_000);
    for (const [step, at] of steps) {
      if (step === 'lost') view.interrupted(S, 'gaoping', at);
      else view.restored(S, 'gaoping', at);
    }
    expect(view.room(S, 'gaoping', 'room-2').gaps).toEqual(gaps);
  });
});
