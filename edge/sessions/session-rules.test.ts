import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVenue, venueFile } from '../../config/venue-loader.ts';
import { tempDir } from '../../test/venue-harness.ts';
import { SessionRoster } from '../checkin/roster.ts';
import { openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import { DownlinkInbox } from '../sync/downlink.ts';
import { downlinkManifest, PROTOCOL, signBytes } from '../sync/wire.ts';
import { type Booking, bookingConflict } from './conflicts.ts';
import { admission, type LateDecision } from './late-arrivals.ts';
import { readScheduleFile } from './schedule-files.ts';
import { SessionService } from './session-service.ts';

/** The session rules as pure code (double booking, late arrival) and at import, over a record in memory. */
const venue = loadVenue(venueFile('jincheng'));
const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-03-02T09:00:00+08:00');

describe('double booking (double-booking)', () => {
  const booked: Booking = { id: 'S1', room: 'room-1', start: T0, end: T0 + 3 * HOUR, experts: [{ pseudonym: 'E1' }] };
  const cases: [string, Partial<Booking>, RegExp | null][] = [
    [
      'same room, overlapping',
      { start: T0 + 2 * HOUR, end: T0 + 4 * HOUR },
      /^\/room: room-1 is booked .* by session S1/,
    ],
    ['same room, inside', { start: T0 + HOUR, end: T0 + 2 * HOUR }, /session S1/],
    ['same room, back to back', { start: T0 + 3 * HOUR, end: T0 + 4 * HOUR }, null],
    ['same room, earlier, back to back', { start: T0 - HOUR, end: T0 }, null],
    [
      'other room, same expert, overlapping',
      { room: 'room-2', experts: [{ pseudonym: 'E9' }, { pseudonym: 'E1' }] },
      /^\/experts\/1\/pseudonym: "E1" is also in session S1/,
    ],
    ['other room, same expert, later', { room: 'room-2', start: T0 + 3 * HOUR, end: T0 + 5 * HOUR }, null],
    ['other room, other experts', { room: 'room-2', experts: [{ pseudonym: 'E2' }] }, null],
    ['the same session again (an update)', { id: 'S1', start: T0 + HOUR }, null],
  ];
  it.each(cases)('%s', (_name, change, expected) => {
    const candidate: Booking = { ...booked, id: 'S2', experts: [{ pseudonym: 'E2' }], ...change };
    const clash = bookingConflict(candidate, [booked], () => '09:00–12:00');
    if (expected) expect(clash).toMatch(expected);
    else expect(clash).toBeNull();
  });

  const input = (id: string, room: string, experts: string[], start = Date.now() - HOUR) => ({
    id,
    transactionCode: id,
    project: { code: id, name: '项目' },
    room,
    start,
    end: start + 3 * HOUR,
    experts: experts.map((pseudonym) => ({ pseudonym })),
  });
  const record = () => {
    const log = new EventLog(openDatabase(':memory:'), venue.id);
    return { log, sessions: new SessionService(log, venue) };
  };

  it('is refused from every import path, naming the conflicting session; the valid sessions still import', () => {
    const { log, sessions } = record();
    expect(sessions.importSchedule([input('S1', 'room-1', ['E1'])], { source: 'platform' }).created).toEqual(['S1']);
    const rejected = (r: { rejected: { error: string }[] }) => r.rejected.map((x) => x.error);

    // File.
    const file = join(tempDir(), 'schedule.json');
    writeFileSync(file, JSON.stringify([input('S2', 'room-1', ['E2']), input('S3', 'room-3', ['E3'])]));
    const fromFile = sessions.importSchedule(readScheduleFile(file), { source: 'file:schedule.json' });
    expect(fromFile.created).toEqual(['S3']);
    expect(rejected(fromFile)).toEqual([
      expect.stringMatching(/^sessions\[0\]\/room: room-1 is booked .* by session S1/),
    ]);

    // Console (one session; the REST import goes through importSchedule the same way).
    expect(() => sessions.upsert(input('S4', 'room-2', ['E1']), 'admin')).toThrow(/"E1" is also in session S1/);

    // Two clashing sessions in one push: the second names the first.
    const push = sessions.importSchedule([input('S5', 'room-2', ['E5']), input('S6', 'room-2', ['E6'])], {
      source: 'platform',
    });
    expect(push.created).toEqual(['S5']);
    expect(rejected(push)).toEqual([expect.stringMatching(/^sessions\[1\]\/room: room-2 is booked .* by session S5/)]);

    // The platform's signed downlink.
    const platform = generateKeyPairSync('ed25519');
    const inbox = new DownlinkInbox(log, venue.id, platform.publicKey, sessions);
    const unsigned = {
      seq: 1,
      venue: venue.id,
      kind: 'schedule' as const,
      issuedAt: Date.now(),
      payload: { sessions: [input('S7', 'room-3', ['E7'])] },
    };
    const result = inbox.accept(
      { protocol: PROTOCOL, ...unsigned, signature: signBytes(platform.privateKey, downlinkManifest(unsigned)) },
      'push',
    );
    expect(result).toMatchObject({ status: 'accepted', report: { created: [] } });
    expect(result.status === 'accepted' && rejected(result.report)).toEqual([
      expect.stringMatching(/room-3 is booked .* by session S3/),
    ]);

    // A cancelled session frees its room.
    sessions.transition('S3', 'cancelled', { by: 'admin' });
    expect(sessions.importSchedule([input('S8', 'room-3', ['E8'])], { source: 'platform' }).created).toEqual(['S8']);
  });

  it('opens check-in at import for a session inside its check-in lead, not at the next sweep', () => {
    const { sessions } = record();
    const now = Date.now();
    sessions.importSchedule(
      [
        input('SOON', 'room-1', ['E1'], now + 2 * MIN),
        input('STARTED', 'room-2', ['E2'], now - 10 * MIN),
        input('LATER', 'room-3', ['E3'], now + 3 * HOUR),
      ],
      { source: 'platform' },
    );
    expect(['SOON', 'STARTED', 'LATER'].map((id) => sessions.get(id)!.state)).toEqual([
      'checkin-open',
      'checkin-open',
      'scheduled',
    ]);
  });
});

describe('late arrival admission (late-needs-witness)', () => {
  const decision = (approved: boolean): LateDecision => ({ pseudonym: 'E1', approved, by: 'W1', at: T0, note: null });
  const cases: [string, number, LateDecision | null, string][] = [
    ['before the start', T0 - 10 * MIN, null, 'on-time'],
    ['at start + 5 min', T0 + 5 * MIN, null, 'on-time'],
    ['1 ms later', T0 + 5 * MIN + 1, null, 'held'],
    ['late, approved', T0 + 30 * MIN, decision(true), 'approved'],
    ['late, refused', T0 + 30 * MIN, decision(false), 'refused'],
    ['refused before the deadline (replaced expert)', T0, decision(false), 'refused'],
  ];
  it.each(cases)('%s → %s', (_name, at, d, expected) => {
    expect(admission({ start: T0 }, at, 5 * MIN, d)).toBe(expected);
  });

  it('is what check-in sees in the roster: a late expert is held at the terminal until the witness decides', () => {
    const log = new EventLog(openDatabase(':memory:'), venue.id);
    const sessions = new SessionService(log, venue);
    const start = Date.now() - 10 * MIN;
    sessions.importSchedule(
      [
        {
          id: 'S1',
          transactionCode: 'S1',
          project: { code: 'P', name: '项目' },
          room: 'room-1',
          start,
          end: start + HOUR,
          experts: [{ pseudonym: 'E1' }],
        },
      ],
      { source: 'test' },
    );
    const roster = new SessionRoster(sessions, () => null);
    expect(roster.findByPseudonym('E1', start + 4 * MIN)).toMatchObject({ checkinOpen: true, admission: 'on-time' });
    expect(roster.findByPseudonym('E1', start + 6 * MIN)).toMatchObject({ checkinOpen: true, admission: 'held' });
    sessions.decideLateArrival('S1', 'E1', { approved: true, by: 'W1', note: '堵车' });
    expect(roster.findByPseudonym('E1', start + 6 * MIN)).toMatchObject({ admission: 'approved' });
    expect(() => sessions.decideLateArrival('S1', 'E9', { approved: true, by: 'W1' })).toThrow(/E9 is not authorised/);
  });

  it('takes the window from the venue file (access.lateEntryMin)', () => {
    const log = new EventLog(openDatabase(':memory:'), venue.id);
    expect(new SessionService(log, { ...venue, access: { lateEntryMin: 10 } }).lateEntryMs).toBe(10 * MIN);
  });
});

describe('remote sessions (远程异地): one side of the session per venue', () => {
  const base = {
    transactionCode: 'R1',
    project: { code: 'P', name: '项目' },
    room: 'room-1',
    start: T0,
    end: T0 + HOUR,
    experts: [{ pseudonym: 'E1' }],
  };
  const cases: [string, unknown, unknown | RegExp][] = [
    [
      'seated here, hosted there',
      { hostVenue: 'gaoping', hostRoom: 'room-2' },
      { hostVenue: 'gaoping', hostRoom: 'room-2' },
    ],
    ['seated here, host room unknown', { hostVenue: 'gaoping' }, { hostVenue: 'gaoping', hostRoom: null }],
    [
      'hosted here',
      { guests: [{ venue: 'gaoping', room: 'room-2' }] },
      { guests: [{ venue: 'gaoping', room: 'room-2' }] },
    ],
    [
      'both sides at once',
      { hostVenue: 'gaoping', guests: [{ venue: 'qinshui', room: 'room-1' }] },
      /^sessions\[0\]\/remote: either hostVenue/,
    ],
    ['neither side', { hostRoom: 'room-2' }, /^sessions\[0\]\/remote: needs hostVenue/],
    [
      'a guest room twice',
      {
        guests: [
          { venue: 'gaoping', room: 'room-2' },
          { venue: 'gaoping', room: 'room-2' },
        ],
      },
      /^sessions\[0\]\/remote\/guests\/1: gaoping room-2 listed twice/,
    ],
    ['no guest rooms', { guests: [] }, /^sessions\[0\]\/remote\/guests: must NOT have fewer than 1 items/],
    [
      'a guest venue that is no id',
      { guests: [{ venue: '高平', room: 'room-2' }] },
      /^sessions\[0\]\/remote\/guests\/0\/venue/,
    ],
  ];
  it.each(cases)('%s', (_name, remote, expected) => {
    const log = new EventLog(openDatabase(':memory:'), venue.id);
    const sessions = new SessionService(log, venue);
    const report = sessions.importSchedule([{ ...base, remote }], { source: 'test' });
    if (expected instanceof RegExp) {
      expect(report.rejected[0]?.error).toMatch(expected);
      expect(sessions.get('R1')).toBeNull();
    } else {
      expect(report.rejected).toEqual([]);
      expect(sessions.get('R1')!.remote).toEqual(expected);
    }
  });
});
