// The city side's own deny-by-default, whatever a venue uploads: a venue whose projection is broken (or an
// older edge, or a hostile one) sends names, photos, tracks and free text; none of it may come out of the views.
import { describe, expect, it } from 'vitest';
import { scanForbidden } from '../forbidden-scan.ts';
import { CityViews } from './city-views.ts';
import { readFact } from './facts.ts';
import { COUNTED_ONLY, HOSTILE_AT, hostileUploads, raw, SECRETS, uploaded } from './upload-fixture.ts';

const T0 = HOSTILE_AT;

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
    views.apply('hostile', hostileUploads(), T0);
    const answers = JSON.stringify([...everyAnswer(views, T0), fed]);
    for (const secret of [...SECRETS, ...COUNTED_ONLY]) expect(answers).not.toContain(secret);
    expect(scanForbidden(JSON.parse(answers))).toEqual([]);
    // …while what is allowed still comes through: the session, its counts, the alarm, the device.
    expect(views.sessionsToday(T0)).toEqual([
      expect.objectContaining({ id: 'S1', projectCode: 'P-1', state: 'checkin-open', experts: 2, checkedIn: 1 }),
    ]);
    expect(views.openAlarms().map((a) => [a.alarmId, a.level, a.place, a.session])).toEqual([['A1', 3, null, null]]);
    expect(views.overview(T0)[0]!.devices).toEqual({ online: 0, offline: 1 });
  });

  it('an alarm kind that is not an id is not read at all', () => {
    expect(readFact(hostileUploads()[5]!)).toBeNull();
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

  it.each([
    [
      'an alarm kind not in the catalogue',
      'alarm.raised',
      { projectAlarm: { alarmCode: 'A7', alarmKind: 'ZhangSan', alarmLevel: '1' } },
      { alarmKind: 'unknown' },
    ],
    ['a session state not in the model', 'session.state-changed', { from: 'scheduled', to: 'ZhangSan' }, null],
    [
      'an alarm level outside 1–3',
      'alarm.raised',
      { projectAlarm: { alarmCode: 'A8', alarmKind: 'stranger', alarmLevel: '9' } },
      null,
    ],
    ['a handling state outside the code set', 'alarm.resolved', { alarmId: 'A1', handleState: '7' }, null],
  ])('%s is not passed on', (_, type, body, expected) => {
    const fact = readFact(raw(1, { type, at: T0, session: 'S1', body }));
    if (expected === null) expect(fact).toBeNull();
    else expect(fact).toMatchObject(expected);
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
