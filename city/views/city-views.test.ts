import { describe, expect, it } from 'vitest';
import type { UpstreamEvent } from '../../edge/sync/wire.ts';
import { CityViews, isOnDay, shanghaiDay, venueLink } from './city-views.ts';
import type { CityAlarm } from './types.ts';
import { type Recorded, uploaded } from './upload-fixture.ts';

// 2026-12-06 10:00 in Shanghai (02:00 UTC).
const T0 = Date.parse('2026-12-06T02:00:00Z');
const MIN = 60_000;

describe('the city day is Asia/Shanghai', () => {
  it.each([
    ['just after midnight in Shanghai', '2026-12-05T16:00:00Z', '2026-12-05T16:00:00Z'],
    ['just before midnight in Shanghai', '2026-12-06T15:59:59Z', '2026-12-05T16:00:00Z'],
    ['UTC midnight is 08:00 the same day', '2026-12-06T00:00:00Z', '2026-12-05T16:00:00Z'],
    ['16:00 UTC is the next day', '2026-12-06T16:00:00Z', '2026-12-06T16:00:00Z'],
  ])('%s', (_, at, start) => {
    const day = shanghaiDay(Date.parse(at));
    expect(day.start).toBe(Date.parse(start));
    expect(day.end - day.start).toBe(86_400_000);
  });

  const day = shanghaiDay(T0);
  it.each([
    ['within the day', T0, T0 + 60 * MIN, true],
    ['started yesterday, ends today', day.start - 60 * MIN, day.start + 60 * MIN, true],
    ['ended before the day', day.start - 120 * MIN, day.start - 60 * MIN, false],
    ['starts at the next midnight', day.end, day.end + 60 * MIN, false],
    ['no window known', null, null, false],
  ])('a session %s: %s', (_, start, end, expected) => {
    expect(isOnDay({ start, end }, day)).toBe(expected);
  });
});

describe('the link rule', () => {
  it.each([
    ['never heard from', null, false, 'never'],
    ['heard a second ago', -1000, false, 'online'],
    ['heard exactly at the threshold', -2 * MIN, false, 'online'],
    ['silent just past the threshold', -2 * MIN - 1, false, 'offline'],
    ['silent after stopping cleanly', -10 * MIN, true, 'stopped'],
    ['stopped but heard just now (restarting)', -1000, true, 'online'],
  ] as const)('%s', (_, ago, stopped, expected) => {
    expect(venueLink(ago === null ? null : T0 + ago, stopped, T0, 2 * MIN)).toBe(expected);
  });
});

const at = (minutes: number) => T0 + minutes * MIN;
const alarm = (alarmId: string, level: 1 | 2 | 3, minutes: number, room = 'room-1'): Recorded => ({
  type: 'alarm.raised',
  at: at(minutes),
  session: 'S1',
  subject: room,
  actor: 'system',
  data: { alarmId, kind: 'wrong-room', level, details: { room } },
});
const handled = (type: 'alarm.acknowledged' | 'alarm.resolved', alarmId: string, minutes: number): Recorded => ({
  type,
  at: at(minutes),
  actor: 'witness-1',
  data: { alarmId, note: null },
});
const scheduled = (id: string, startMinutes: number, remote: unknown = null): Recorded => ({
  type: 'session.scheduled',
  at: at(-600),
  session: id,
  actor: 'platform',
  data: {
    source: 'platform',
    transactionCode: `TX-${id}`,
    project: { code: `P-${id}`, name: '某某项目' },
    room: 'room-1',
    start: at(startMinutes),
    end: at(startMinutes + 180),
    remote,
  },
});

function viewsWith(venue: string, events: Recorded[], receivedAt: number | null = at(0)) {
  const views = new CityViews({ offlineAfterMs: 2 * MIN });
  const feed: CityAlarm[] = [];
  views.on('alarm', (a) => feed.push(a));
  views.apply(venue, uploaded(venue, events), receivedAt);
  return { views, feed };
}

describe('a venue as the city sees it', () => {
  it('counts devices online and offline by their latest report', () => {
    const { views } = viewsWith('gaoping', [
      {
        type: 'device.online',
        at: at(-5),
        subject: 'gate-1',
        actor: 'gate-1',
        data: { kind: 'gate', reason: 'birth' },
      },
      {
        type: 'device.online',
        at: at(-5),
        subject: 'door-1',
        actor: 'door-1',
        data: { kind: 'door', reason: 'birth' },
      },
      {
        type: 'device.offline',
        at: at(-2),
        subject: 'door-1',
        actor: 'system',
        data: { kind: 'door', reason: 'last-will', lastSeen: at(-3) },
      },
      { type: 'device.online', at: at(-4), subject: 'cam-1', actor: 'cam-1', data: { kind: 'camera', reason: 'x' } },
      {
        type: 'device.offline',
        at: at(-3),
        subject: 'cam-1',
        actor: 'system',
        data: { kind: 'camera', reason: 'camera-unreachable', lastSeen: null },
      },
      { type: 'device.online', at: at(-1), subject: 'cam-1', actor: 'cam-1', data: { kind: 'camera', reason: 'x' } },
    ]);
    const detail = views.venue('gaoping', at(0))!;
    expect(detail.devices).toEqual({ online: 2, offline: 1 });
    expect(detail.deviceList[0]).toEqual({
      id: 'door-1',
      kind: 'door',
      online: false,
      reason: 'last-will',
      since: at(-2),
    });
  });

  it('keeps alarms open by level until resolved, and feeds every change', () => {
    const { views, feed } = viewsWith('qinshui', [
      alarm('A1', 3, -10),
      alarm('A2', 1, -9),
      alarm('A3', 1, -8),
      handled('alarm.acknowledged', 'A2', -7),
      handled('alarm.resolved', 'A3', -6),
      handled('alarm.resolved', 'unknown-alarm', -5),
    ]);
    const summary = views.overview(at(0))[0]!;
    expect(summary.openAlarms).toEqual({ 1: 1, 2: 0, 3: 1 });
    expect(views.openAlarms().map((a) => [a.alarmId, a.state])).toEqual([
      ['A1', 'raised'],
      ['A2', 'acknowledged'],
    ]);
    expect(views.openAlarms()[0]).toMatchObject({
      venue: 'qinshui',
      kind: 'wrong-room',
      place: 'room-1',
      session: 'S1',
    });
    expect(feed.map((a) => `${a.alarmId}:${a.state}`)).toEqual([
      'A1:raised',
      'A2:raised',
      'A3:raised',
      'A2:acknowledged',
      'A3:resolved',
    ]);
    expect(views.recentAlarmChanges()[0]).toMatchObject({ alarmId: 'A3', state: 'resolved', changedAt: at(-6) });
  });

  it('measures the link, the upload delay and how far the hub is behind the venue', () => {
    const views = new CityViews({ offlineAfterMs: 2 * MIN });
    views.apply(
      'lingchuan',
      uploaded('lingchuan', [{ type: 'edge.started', at: at(-1), data: { bus: 'x', http: 'y' } }]),
      at(0),
    );
    views.signedHead('lingchuan', 40);
    const cases: [number, string][] = [
      [1, 'online'],
      [2, 'online'],
      [3, 'offline'],
    ];
    for (const [minutes, link] of cases) expect(views.overview(at(minutes))[0]!.link).toBe(link);
    expect(views.overview(at(0))[0]).toMatchObject({ heldSeq: 1, lagMs: MIN, seqBehind: 39, lastContact: at(0) });
    // A signed downlink pull is contact too.
    views.contact('lingchuan', at(5));
    expect(views.overview(at(6))[0]!.link).toBe('online');
    // A clean stop, then silence.
    views.apply('lingchuan', uploaded('lingchuan', [{ type: 'edge.stopped', at: at(6) }], 2), at(6));
    expect(views.overview(at(20))[0]!.link).toBe('stopped');
  });

  it('skips what it already holds, so a replay may overlap the live stream', () => {
    const events = uploaded('yangcheng', [alarm('A1', 2, -3), alarm('A2', 2, -2)]);
    const { views, feed } = viewsWith('yangcheng', []);
    views.apply('yangcheng', events.slice(0, 1), null);
    views.apply('yangcheng', events, at(0));
    views.apply('yangcheng', events, at(1));
    expect(feed.map((a) => a.alarmId)).toEqual(['A1', 'A2']);
    expect(views.overview(at(1))[0]).toMatchObject({ heldSeq: 2, lastContact: at(1) });
  });

  it("lists today's sessions across venues with experts and check-ins counted", () => {
    const views = new CityViews({ offlineAfterMs: 2 * MIN });
    views.apply(
      'jincheng',
      uploaded('jincheng', [
        scheduled('J-1', 30),
        scheduled('J-OLD', -3 * 24 * 60),
        {
          type: 'session.experts-authorised',
          at: at(-500),
          session: 'J-1',
          actor: 'platform',
          data: { experts: ['E1', 'E2', 'E3'].map((pseudonym) => ({ pseudonym, seat: null })) },
        },
        {
          type: 'session.experts-revoked',
          at: at(-400),
          session: 'J-1',
          actor: 'platform',
          data: { pseudonyms: ['E3'] },
        },
        {
          type: 'session.updated',
          at: at(-300),
          session: 'J-1',
          actor: 'platform',
          data: { source: 'platform', changes: { room: { from: 'room-1', to: 'room-2' } } },
        },
        {
          type: 'session.state-changed',
          at: at(-20),
          session: 'J-1',
          actor: 'w',
          data: { from: 'scheduled', to: 'checkin-open', reason: null },
        },
        {
          type: 'checkin.accepted',
          at: at(-10),
          session: 'J-1',
          actor: 'E1',
          subject: 'E1',
          method: 'id-card+face',
          data: { pseudonym: 'E1', verifiedBy: 'kiosk-1', seat: 's1', badge: 'b1', locker: null },
        },
      ]),
      at(0),
    );
    views.apply(
      'gaoping',
      uploaded('gaoping', [scheduled('G-R', -60, { hostVenue: 'jincheng', hostRoom: 'room-1' })]),
      at(0),
    );
    expect(views.sessionsToday(at(0))).toEqual([
      {
        venue: 'gaoping',
        id: 'G-R',
        transactionCode: 'TX-G-R',
        projectCode: 'P-G-R',
        room: 'room-1',
        start: at(-60),
        end: at(120),
        state: 'scheduled',
        remote: { hostVenue: 'jincheng', hostRoom: 'room-1' },
        experts: 0,
        checkedIn: 0,
      },
      {
        venue: 'jincheng',
        id: 'J-1',
        transactionCode: 'TX-J-1',
        projectCode: 'P-J-1',
        room: 'room-2',
        start: at(30),
        end: at(210),
        state: 'checkin-open',
        remote: null,
        experts: 2,
        checkedIn: 1,
      },
    ]);
    expect(views.overview(at(0)).map((v) => [v.venue, v.sessionsToday])).toEqual([
      ['gaoping', 1],
      ['jincheng', 1],
    ]);
  });

  it('shows a venue known to the hub before it has sent anything', () => {
    const views = new CityViews();
    views.knowVenue('qinshui');
    expect(views.overview(T0)).toEqual([
      expect.objectContaining({ venue: 'qinshui', link: 'never', heldSeq: 0, seqBehind: null, lagMs: null }),
    ]);
    expect(views.venue('nowhere', T0)).toBeNull();
  });
});

// Keeps the fixture honest: what the views read is what the edge's projection produced.
it('reads alarms from the national 项目报警信息 body the edge uploads', () => {
  const [e] = uploaded('v', [alarm('A9', 2, 0, 'room-7')]) as [UpstreamEvent];
  expect(e.body).toMatchObject({ projectAlarm: { alarmCode: 'A9', alarmLevel: '2', alarmKind: 'wrong-room' } });
  const { views } = viewsWith('v', [alarm('A9', 2, 0, 'room-7')]);
  expect(views.openAlarms()[0]).toMatchObject({ alarmId: 'A9', level: 2, place: 'room-7' });
});
