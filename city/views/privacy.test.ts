// The city side's own deny-by-default, whatever a venue uploads: a venue whose projection is broken (or an
// older edge, or a hostile one) sends names, photos, tracks and free text; none of it may come out of the views.
import { describe, expect, it } from 'vitest';
import { scanForbidden } from '../forbidden-scan.ts';
import { CityViews } from './city-views.ts';
import { readFact } from './facts.ts';
import { raw, uploaded } from './upload-fixture.ts';

const T0 = Date.parse('2026-12-06T02:00:00Z');
const JPEG = `/9j/4AAQSkZJRgABAQ${'A'.repeat(400)}`;
/** Values that must never appear in any answer: each is put where a careless venue might put it. */
const SECRET = ['张三', 'Zhang-San-Name', '140502198803150012', JPEG, '13912345678', 'SECRET-TRACK-77'];
/** Ids the views read to count (experts' pseudonyms, a witness) but must not hand out. */
const COUNTED_ONLY = ['EX-7731', 'EX-7732', 'witness-wang'];

const hostile = [
  raw(1, {
    type: 'session.scheduled',
    at: T0 - 3600_000,
    session: 'S1',
    actor: 'witness-wang',
    body: {
      transactionCode: 'TX-1',
      project: { code: 'P-1', name: '张三的项目' },
      projectName: 'Zhang-San-Name',
      room: 'room-1',
      start: T0,
      end: T0 + 3600_000,
      remote: null,
      notes: 'SECRET-TRACK-77',
    },
  }),
  raw(2, {
    type: 'session.experts-authorised',
    at: T0 - 3000_000,
    session: 'S1',
    body: {
      experts: [
        { pseudonym: 'EX-7731', seat: 's1', name: '张三', idNumber: '140502198803150012' },
        { pseudonym: 'EX-7732', seat: 's2', phone: '13912345678' },
        // A name where a pseudonym belongs: not an id, not read.
        { pseudonym: '张三', seat: 's3' },
      ],
    },
  }),
  raw(3, {
    type: 'checkin.accepted',
    at: T0 - 600_000,
    session: 'S1',
    subject: 'EX-7731',
    actor: 'EX-7731',
    method: 'id-card+face',
    body: { pseudonym: 'EX-7731', idPhoto: JPEG, faceTemplate: JPEG, expertName: '张三', verifiedBy: 'Zhang-San-Name' },
  }),
  raw(4, {
    type: 'tracking.position',
    at: T0 - 500_000,
    subject: 'badge-1',
    body: { badge: 'badge-1', x: 12.5, y: 3.25, trajectory: 'SECRET-TRACK-77' },
  }),
  raw(5, {
    type: 'alarm.raised',
    at: T0 - 400_000,
    session: 'S1',
    subject: '张三',
    body: {
      projectAlarm: {
        alarmCode: 'A1',
        alarmKind: 'wrong-room',
        alarmLevel: '3',
        alarmType: '01',
        alarmContent: '专家张三进入非本项目评标室（张三）',
        alarmTime: 'x',
        handleState: '0',
      },
      details: { person: 'Zhang-San-Name', photo: JPEG, x: 1, y: 2 },
    },
  }),
  raw(6, {
    type: 'alarm.raised',
    at: T0 - 300_000,
    body: {
      projectAlarm: {
        alarmCode: 'A2',
        alarmKind: 'SECRET-TRACK-77 张三',
        alarmLevel: '2',
        alarmContent: '门被强行打开（door-1）',
      },
    },
  }),
  raw(7, {
    type: 'device.offline',
    at: T0 - 200_000,
    subject: 'cam-1',
    body: { kind: 'camera', reason: 'last-will', snapshot: JPEG, operator: 'Zhang-San-Name' },
  }),
  raw(8, {
    type: 'face.template-enrolled',
    at: T0 - 100_000,
    actor: 'EX-7731',
    body: { template: JPEG, name: '张三' },
  }),
  raw(9, {
    type: 'session.state-changed',
    at: T0 - 50_000,
    session: 'S1',
    actor: 'witness-wang',
    body: { from: 'scheduled', to: 'checkin-open', reason: '张三迟到 Zhang-San-Name' },
  }),
];

function everyAnswer(views: CityViews, now: number): unknown[] {
  return [
    views.overview(now),
    ...views.overview(now).map((v) => views.venue(v.venue, now)),
    views.sessionsToday(now),
    views.openAlarms(),
    views.recentAlarmChanges(),
  ];
}

describe('the city views hand out nothing outside the allow-list', () => {
  it('whatever a venue uploads', () => {
    const views = new CityViews();
    const fed: unknown[] = [];
    views.on('alarm', (a) => fed.push(a));
    views.apply('hostile', hostile, T0);
    const answers = JSON.stringify([...everyAnswer(views, T0), fed]);
    for (const secret of [...SECRET, ...COUNTED_ONLY]) expect(answers).not.toContain(secret);
    expect(scanForbidden(JSON.parse(answers))).toEqual([]);
    // …while what is allowed still comes through: the session, its counts, the alarm, the device.
    expect(views.sessionsToday(T0)).toEqual([
      expect.objectContaining({ id: 'S1', projectCode: 'P-1', state: 'checkin-open', experts: 2, checkedIn: 1 }),
    ]);
    expect(views.openAlarms().map((a) => [a.alarmId, a.level, a.place])).toEqual([['A1', 3, null]]);
    expect(views.overview(T0)[0]!.devices).toEqual({ online: 0, offline: 1 });
  });

  it('an alarm kind that is not an id is not read at all', () => {
    expect(readFact(hostile[5]!)).toBeNull();
  });

  it.each([
    'tracking.position',
    'face.template-enrolled',
    'audit.viewed',
    'intercom.call-started',
    'video.segment',
    'checkin.refused',
  ])('a %s is not read (not on the city allow-list)', (type) => {
    expect(readFact(raw(1, { type, at: T0, body: { anything: 'x' } }))).toBeNull();
  });

  it("what an edge's own projection uploads is read in full", () => {
    const [scheduled] = uploaded('v', [
      {
        type: 'session.scheduled',
        at: T0,
        session: 'S2',
        actor: 'platform',
        data: {
          source: 'platform',
          transactionCode: 'TX-2',
          project: { code: 'P-2', name: '项目' },
          room: 'room-2',
          start: T0,
          end: T0 + 1,
          remote: { hostVenue: 'jincheng', hostRoom: null },
        },
      },
    ]);
    expect(readFact(scheduled!)).toEqual({
      kind: 'session-defined',
      session: 'S2',
      transactionCode: 'TX-2',
      projectCode: 'P-2',
      room: 'room-2',
      start: T0,
      end: T0 + 1,
      remote: { hostVenue: 'jincheng', hostRoom: null },
    });
  });
});
